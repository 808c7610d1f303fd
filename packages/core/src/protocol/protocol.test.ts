/**
 * protocol/, audio/ and client/ are what the apps bundle: they must not use Node's globals (Buffer, process,
 * require), or a browser build breaks (or silently pulls a polyfill). What they import is the import check's
 * (packages/testing/src/import-layers.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { pcmFromBase64, pcmToBase64 } from "../audio/index.ts";
import { describeIssues, messagesIn, placeInTalk, ServerMessage } from "./index.ts";

const root = join(import.meta.dirname, "..");
const sources = ["protocol", "audio", "client"]
  .flatMap((dir) => (readdirSync(join(root, dir), { recursive: true }) as string[]).map((file) => join(root, dir, file)))
  .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file));

describe("browser-safe modules", () => {
  it.each(sources.map((file) => [relative(root, file), file]))("%s uses none of Node's globals", (_name, file) => {
    const text = readFileSync(file, "utf8");
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    expect(code).not.toMatch(/from\s+["']node:|require\(|\bBuffer\b|\bprocess\./);
  });

  it("parses a status naming a quota this code does not know (a newer server's), so the client keeps its status", () => {
    const status = { type: "sessionStatus", sessionId: "s", listeners: {}, quotas: ["recognition", "someday"] };
    expect(ServerMessage.safeParse(status).success).toBe(true);
  });

  it("unfolds the parts a message carries into part messages, earliest first, before the message itself", () => {
    const carried = (sequenceNumber: number, part: number) => ({ segmentId: `s-${sequenceNumber}`, sequenceNumber, part, lastPart: false, language: "en", text: `t${sequenceNumber}.${part}`, startMs: 0, endMs: 1, targetLanguage: "es", translation: "x" });
    const part = ServerMessage.parse({ type: "part", sessionId: "s", ...carried(3, 1), audio: { url: "u", format: "audio/wav", duration: 1, timestamp: 1 }, carried: [carried(2, 0), carried(3, 0)] });
    const end = ServerMessage.parse({ type: "sessionEnded", sessionId: "s", chunksLost: 2, carried: [carried(4, 0)] });
    const { carried: _, ...own } = part as ServerMessage & { type: "part" };
    expect(messagesIn(part)).toEqual([
      { type: "part", sessionId: "s", ...carried(2, 0) },
      { type: "part", sessionId: "s", ...carried(3, 0) },
      own,
    ]);
    expect(messagesIn(end)).toEqual([{ type: "part", sessionId: "s", ...carried(4, 0) }, { type: "sessionEnded", sessionId: "s", chunksLost: 2 }]);
    expect(messagesIn({ type: "pong" })).toEqual([{ type: "pong" }]);
    // A carried part with a field missing is refused, naming it.
    const bad = ServerMessage.safeParse({ type: "sessionEnded", sessionId: "s", carried: [{ ...carried(4, 0), text: undefined }] });
    expect(bad.success).toBe(false);
    expect(describeIssues(bad.error!)).toMatch(/carried\.0\.text/);
  });

  it("places a segment's parts in order after the segment before and before the one after", () => {
    const talk = [
      { sequenceNumber: 8 },
      { sequenceNumber: 7, part: 12 },
      { sequenceNumber: 7, part: 0 },
      { sequenceNumber: 6 },
      { sequenceNumber: 7, part: 2 },
    ];
    expect([...talk].sort((a, b) => placeInTalk(a) - placeInTalk(b))).toEqual([talk[3], talk[2], talk[4], talk[1], talk[0]]);
    expect(placeInTalk({ sequenceNumber: 7 })).toBe(placeInTalk({ sequenceNumber: 7, part: 0 }));
  });

  it("round-trips PCM through base64 little-endian, whatever the sample values", () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 12345, -2222]);
    const encoded = pcmToBase64(pcm);
    expect(encoded).toBe(Buffer.from(new Uint8Array([0, 0, 1, 0, 255, 255, 255, 127, 0, 128, 57, 48, 82, 247])).toString("base64"));
    expect(pcmFromBase64(encoded)).toEqual(pcm);
    expect(pcmFromBase64(btoa("abc"))).toBeUndefined(); // an odd byte count is not whole samples
  });
});
