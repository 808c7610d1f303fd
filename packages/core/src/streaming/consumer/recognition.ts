/**
 * Streams each session's open segment into the recognizer while the speaker talks, so the final text is
 * ready moments after the pause. The stream lives in this execution environment's memory only; an environment
 * that rebuilds a session from the stream feeds it the audio it missed, or replays the open segment into a new one.
 * Whenever a stream does not
 * match the closed segment exactly (it failed, or heard something else), the segment's own audio is transcribed
 * from scratch instead, so the result never depends on luck.
 */
import type { Log } from "../../log.ts";
import type { Measurements, SpeechRecognizer, Utterance } from "../../ports.ts";
import type { ClosedSegment } from "../segmenter/index.ts";

interface LiveUtterance {
  utterance: Utterance;
  startSample: number;
  nextSample: number;
  /** Writes are chained so they reach the recognizer in order. */
  work: Promise<string>;
  /** The hypothesis after the last write that completed. */
  latest?: string;
}

const BATCH_WRITE_SAMPLES = 16_000;

export class LiveRecognition {
  private readonly live = new Map<string, LiveUtterance>();

  constructor(
    private readonly recognizer: SpeechRecognizer,
    private readonly log: Log,
    private readonly measurements?: Pick<Measurements, "count">,
  ) {}

  /**
   * Audio of the session's open segment (which starts at `segmentStartSample`), starting at `startSample` in the
   * session's audio. A stream only ever starts at a segment's start: one that would miss the beginning is not
   * started, and the segment is transcribed whole when it closes.
   */
  feed(sessionId: string, language: string, startSample: number, pcm: Int16Array, segmentStartSample: number): void {
    let live = this.live.get(sessionId);
    if (live && live.nextSample !== startSample) {
      this.drop(sessionId);
      live = undefined;
    }
    if (!live && startSample !== segmentStartSample) return;
    if (!live) {
      live = {
        utterance: this.startUtterance(language),
        startSample,
        nextSample: startSample,
        work: Promise.resolve(""),
      };
      this.live.set(sessionId, live);
    }
    const target = live;
    // After a failed write the chain stays rejected; take() then transcribes the whole segment. The failure is
    // reported when it happens: a stream this environment never gets to finish would otherwise hide it.
    const previous = target.work;
    target.work = previous.then(async () => (target.latest = await target.utterance.write(pcm)));
    target.work.catch((error) => previous.then(() => this.failed(sessionId, "stream", error), () => undefined));
    target.nextSample = startSample + pcm.length;
  }

  /** Where the session's stream of the segment starting at `segmentStartSample` has heard up to, if there is one. */
  heard(sessionId: string, segmentStartSample: number): number | undefined {
    const live = this.live.get(sessionId);
    return live && live.startSample === segmentStartSample ? live.nextSample : undefined;
  }

  /**
   * The interim hypothesis of the session's open segment, if one is being recognized: once the audio fed so far
   * is decoded, or, with `wait` false (a stream just replayed, seconds of audio behind), what is decoded already.
   */
  async interim(sessionId: string, wait = true): Promise<string | undefined> {
    const live = this.live.get(sessionId);
    if (!live) return undefined;
    return wait ? live.work.catch(() => undefined) : live.latest;
  }

  drop(sessionId: string): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    this.live.delete(sessionId);
    live.work.finally(() => live.utterance.abort()).catch(() => undefined);
  }

  /**
   * Detaches the session's stream for this closed segment, now, and returns how to get its final text:
   * from the stream when it heard exactly this segment, else by transcribing the segment's audio.
   */
  take(sessionId: string, language: string, segment: ClosedSegment): () => Promise<string> {
    const live = this.live.get(sessionId);
    // After a pause the stream may have heard some trailing silence too; after a cut, exactly the segment.
    const matches =
      live !== undefined &&
      live.startSample === segment.startSample &&
      (segment.cause === "maxLength" ? live.nextSample === segment.endSample : live.nextSample >= segment.endSample);
    if (!matches) {
      this.drop(sessionId);
      return () => this.transcribeWhole(sessionId, language, segment.pcm);
    }
    this.live.delete(sessionId);
    return async () => {
      try {
        await live.work;
        try {
          return await live.utterance.finish();
        } catch (error) {
          this.failed(sessionId, "stream", error);
          throw error;
        }
      } catch {
        // Reported by feed() (a failed write) or below (a failed finish).
        live.utterance.abort();
        return this.transcribeWhole(sessionId, language, segment.pcm);
      }
    };
  }

  /** Aborts every open stream (shutting down). */
  close(): void {
    for (const sessionId of [...this.live.keys()]) this.drop(sessionId);
  }

  /**
   * Starts a recognizer request, counted as Amazon Transcribe bills streaming: per request, in whole seconds of
   * audio, at least 15 seconds.
   */
  private startUtterance(language: string): Utterance {
    const utterance = this.recognizer.startUtterance(language);
    const measurements = this.measurements;
    if (!measurements) return utterance;
    let samples = 0;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      measurements.count("RecognizerRequests");
      measurements.count("RecognizerAudioSeconds", samples / 16_000);
      measurements.count("RecognizerBilledSeconds", Math.max(15, Math.ceil(samples / 16_000)));
    };
    return {
      write: (pcm) => {
        samples += pcm.length;
        return utterance.write(pcm);
      },
      finish: () => {
        end();
        return utterance.finish();
      },
      abort: () => {
        end();
        utterance.abort();
      },
    };
  }

  private async transcribeWhole(sessionId: string, language: string, pcm: Int16Array): Promise<string> {
    const utterance = this.startUtterance(language);
    try {
      for (let at = 0; at < pcm.length; at += BATCH_WRITE_SAMPLES) {
        await utterance.write(pcm.subarray(at, Math.min(pcm.length, at + BATCH_WRITE_SAMPLES)));
      }
      return await utterance.finish();
    } catch (error) {
      // The batch fails and is retried (from the stream, in whichever environment).
      this.failed(sessionId, "whole", error);
      utterance.abort();
      throw error;
    }
  }

  /** A stream that failed falls back to the whole segment; a whole transcription that failed fails the batch. */
  private failed(sessionId: string, mode: "stream" | "whole", error: unknown): void {
    this.log({
      level: "warn",
      event: "recognition.failed",
      sessionId,
      mode,
      errorName: (error as Error)?.name,
      error: error instanceof Error ? error.message : String(error),
    });
    this.measurements?.count("RecognizerFailures");
  }
}
