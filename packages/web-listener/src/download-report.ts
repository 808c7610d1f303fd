/**
 * The listener's download reports: a share of listeners (decided once per page) report how long each translated
 * clip took to arrive and whether it arrived, in batches (a minute, or 50 downloads), to `POST /listener-reports`,
 * where they become metrics beside the pipeline's. Best-effort: a report that fails is dropped, never retried, so
 * reporting adds no load when the service struggles.
 */
import { type AudioDownload, LISTENER_REPORT_MAX_DOWNLOADS, type ListenerReport } from "@livetranslate/core/protocol";

/** What a report is about: a session (with its join key, when private) and a language. */
export type ReportAbout = Pick<ListenerReport, "sessionId" | "language" | "key">;

export interface DownloadReporterOptions {
  send(report: ListenerReport): Promise<unknown>;
  /** Share of listeners that report; 1 in 5 by default (an unbiased sample keeps the failure rate true). */
  sampleRate?: number;
  random?: () => number;
  intervalMs?: number;
}

export class DownloadReporter {
  readonly sampled: boolean;
  private pending: AudioDownload[] = [];
  private about?: ReportAbout;
  private readonly timer?: ReturnType<typeof setInterval>;

  constructor(private readonly options: DownloadReporterOptions) {
    this.sampled = (options.random ?? Math.random)() < (options.sampleRate ?? 0.2);
    if (this.sampled) this.timer = setInterval(() => this.flush(), options.intervalMs ?? 60_000);
  }

  record(about: ReportAbout, download: AudioDownload): void {
    if (!this.sampled) return;
    // One report is about one session and language.
    if (this.about && (this.about.sessionId !== about.sessionId || this.about.language !== about.language)) this.flush();
    this.about = about;
    this.pending.push({ latencyMs: Math.max(0, Math.round(download.latencyMs)), ok: download.ok });
    if (this.pending.length >= LISTENER_REPORT_MAX_DOWNLOADS) this.flush();
  }

  flush(): void {
    if (!this.about || this.pending.length === 0) return;
    const report: ListenerReport = { ...this.about, downloads: this.pending.splice(0, LISTENER_REPORT_MAX_DOWNLOADS) };
    this.options.send(report).catch(() => undefined);
  }

  /** Sends what is pending (the page is going away) and stops. */
  close(): void {
    this.flush();
    clearInterval(this.timer);
  }
}

/** POST to the HTTP API; `keepalive` lets the last report leave with the page. */
export function postListenerReport(httpUrl: string) {
  return (report: ListenerReport) =>
    fetch(`${httpUrl}/listener-reports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(report),
      keepalive: true,
    });
}
