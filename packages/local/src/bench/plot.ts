/**
 * The soak run as a picture committed beside its results: memory and load per minute above, each utterance's
 * latency below. Vega-Lite describes the charts, Vega renders them to SVG without a browser, resvg draws the PNG.
 */
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { SoakSample } from "./scenarios/soak.ts";

export async function soakChart(
  title: string,
  samples: readonly SoakSample[],
  latency: readonly { i: number; caption_s?: number; audio_s?: number }[],
): Promise<Buffer> {
  const memory = samples.flatMap((s) => [
    { minute: s.minute, value: s.rss_mb, series: "RSS (MB)" },
    { minute: s.minute, value: s.heap_mb, series: "heap used (MB)" },
    { minute: s.minute, value: s.external_mb, series: "external (MB)" },
  ]);
  const load = samples.map((s) => ({ minute: s.minute, value: s.load_1m }));
  const utterances = latency.flatMap((u) => [
    ...(u.caption_s === undefined ? [] : [{ utterance: u.i, seconds: u.caption_s, what: "caption" }]),
    ...(u.audio_s === undefined ? [] : [{ utterance: u.i, seconds: u.audio_s, what: "translated audio" }]),
  ]);
  const spec: TopLevelSpec = {
    title,
    background: "white",
    vconcat: [
      {
        width: 900,
        height: 220,
        title: "local mode's process, sampled every minute",
        data: { values: memory },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "minute", type: "quantitative", title: "minute" },
          y: { field: "value", type: "quantitative", title: "MB" },
          color: { field: "series", type: "nominal", title: null },
        },
      },
      {
        width: 900,
        height: 120,
        title: "machine load (1-minute average; 2 cores)",
        data: { values: load },
        mark: { type: "line", point: true, color: "#888" },
        encoding: {
          x: { field: "minute", type: "quantitative", title: "minute" },
          y: { field: "value", type: "quantitative", title: "load" },
        },
      },
      {
        width: 900,
        height: 220,
        title: "latency from the end of each sentence's voiced speech",
        data: { values: utterances },
        mark: { type: "point", size: 12, opacity: 0.6 },
        encoding: {
          x: { field: "utterance", type: "quantitative", title: "sentence, in order" },
          y: { field: "seconds", type: "quantitative", title: "seconds" },
          color: { field: "what", type: "nominal", title: null },
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }, fitTo: { mode: "width", value: 1000 } }).render().asPng();
}
