/**
 * Streams each session's segments into one recognizer stream while the speaker talks, so each final text is ready
 * moments after the pause, and so a session costs one recognizer request rather than one per segment (Amazon
 * Transcribe bills each request for at least 15 s). The stream lives in this execution environment's memory only and
 * carries segments for as long as this environment keeps getting the session's batches; one that rebuilds a session
 * from the stream feeds its stream the audio it missed, or replays the open segment into it (or into a new stream).
 * Whenever a stream does not match the closed segment exactly (it failed, or heard something else), the segment's own
 * audio is transcribed from scratch instead, so the result never depends on luck.
 */
import type { Log } from "../../log.ts";
import type { HeardWord, Measurements, RecognitionStream, SessionVocabulary, SpeechRecognizer } from "../../ports/index.ts";
import type { ClosedSegment } from "../segmenter/index.ts";
import { type LiveStream, newPhrase, type PhraseWords } from "./live-stream.ts";
import { settledWords } from "./segment-parts.ts";
import { type RetryBudget, withinQuota } from "../pipeline/quota.ts";

const BATCH_WRITE_SAMPLES = 16_000;

/**
 * A stream that heard nothing for this long is ended: Amazon Transcribe closes a stream after 15 s without audio,
 * and a stream this environment stopped getting batches for is billed until it ends.
 */
export const RECOGNIZER_QUIET_MS = 10_000;

/**
 * A stream this old is ended between two segments and the next segment starts a new one: Amazon Transcribe ends a
 * streaming request after 4 hours (LimitExceededException), which would fail the segment being heard then.
 */
export const RECOGNIZER_MAX_STREAM_MS = 3.5 * 60 * 60 * 1000;

/**
 * A segment's own request refused at the concurrent-stream quota waits for a stream to free up rather than failing
 * the batch (a retried batch would open more streams): the waits grow to a few seconds, so that together they
 * outlast `RECOGNIZER_QUIET_MS`, after which streams other environments no longer use are ended. Past it the caller
 * names the segment lost (see PartDelivery).
 */
export const RECOGNIZER_STREAM_RETRY: RetryBudget = { attempts: 8, baseDelayMs: 500, maxDelayMs: 4000 };

export class LiveRecognition {
  private readonly live = new Map<string, LiveStream>();

  constructor(
    private readonly recognizer: SpeechRecognizer,
    private readonly log: Log,
    private readonly measurements?: Pick<Measurements, "count">,
    private readonly now: () => number = Date.now,
    /** Waits between attempts at a refused request (tests pass one that returns at once). */
    private readonly sleep?: (ms: number) => Promise<void>,
  ) {}

  /**
   * Audio of the session's open segment (which starts at `segmentStartSample`), starting at `startSample` in the
   * session's audio. A segment is only ever streamed from its start: one that would miss the beginning is not
   * streamed, and it is transcribed whole when it closes. `vocabulary` is the session's own words: a session's
   * custom vocabulary that became ready since its stream started is taken up by a new stream, between two segments.
   */
  feed(sessionId: string, language: string, startSample: number, pcm: Int16Array, segmentStartSample: number, vocabulary?: SessionVocabulary): void {
    let live = this.live.get(sessionId);
    if (live?.segmentStartSample !== undefined && (live.segmentStartSample !== segmentStartSample || live.nextSample !== startSample)) {
      // A gap inside a segment cannot be repaired in a stream: whatever follows in it would be misplaced.
      this.end(sessionId);
      live = undefined;
    }
    if (startSample !== segmentStartSample && live?.segmentStartSample === undefined) return;
    if (live?.segmentStartSample === undefined && live && this.now() - live.startedAt >= RECOGNIZER_MAX_STREAM_MS) {
      this.log({ level: "info", event: "recognition.stream_ended", sessionId, reason: "age" });
      this.end(sessionId);
      live = undefined;
    }
    if (live?.segmentStartSample === undefined && live && live.vocabularyName !== vocabulary?.name) {
      this.log({ level: "info", event: "recognition.stream_ended", sessionId, reason: "vocabulary" });
      this.end(sessionId);
      live = undefined;
    }
    if (!live) {
      live = {
        stream: this.startStream(language, vocabulary),
        nextSample: startSample,
        work: Promise.resolve(""),
        lastWriteAt: this.now(),
        startedAt: this.now(),
        phrase: 0,
        vocabularyName: vocabulary?.name,
      };
      this.live.set(sessionId, live);
    }
    if (live.segmentStartSample === undefined) {
      live.segmentStartSample = segmentStartSample;
      live.work = Promise.resolve("");
      live.latest = undefined;
      newPhrase(live);
    }
    const target = live;
    const write = target.stream.write(pcm);
    target.work = Promise.all([target.work, write]).then(([, text]) => (target.latest = text));
    target.work.catch(() => undefined);
    // The phrase's words once this write is decoded, for a caller that cannot wait for the stream (see phraseWords).
    const phrase = target.phrase;
    const through = startSample + pcm.length;
    target.stream.phraseWords().then(
      (words) => {
        if (target.phrase === phrase) target.decoded = { words, through };
      },
      () => undefined, // reported by the write
    );
    // Reported when it happens (a stream this environment never gets to finish would otherwise hide it); the stream
    // is let go at once, so the segment is transcribed whole and the next one starts a new stream.
    write.catch((error) => {
      if (this.live.get(sessionId) !== target) return;
      this.failed(sessionId, "stream", error);
      this.live.delete(sessionId);
      target.stream.abort();
    });
    target.nextSample = startSample + pcm.length;
    target.lastWriteAt = this.now();
  }

  /**
   * The speaker paused after the audio fed so far of the segment starting at `segmentStartSample` (which ends at
   * `atSample`): the recognizer may finish those words now, while the segmenter waits to see if the sentence goes on.
   * Returns the words final since the previous pause (see `RecognitionStream.pause`), or undefined when no stream
   * heard exactly this audio (then nothing of the segment can be committed before it closes).
   */
  pause(sessionId: string, segmentStartSample: number, atSample: number): Promise<string> | undefined {
    const live = this.live.get(sessionId);
    if (live?.segmentStartSample !== segmentStartSample || live.nextSample !== atSample) return undefined;
    newPhrase(live);
    const words = live.stream.pause();
    words.catch(() => undefined);
    return words;
  }

  /**
   * Feeds the open segment's audio from `startSample` on, as the segmenter handed it out: split at the pauses it
   * noted, so a stream rebuilt here ends its phrases where the first one did.
   */
  feedWithPauses(
    sessionId: string,
    language: string,
    startSample: number,
    pcm: Int16Array,
    segmentStartSample: number,
    pauses: readonly number[],
    vocabulary?: SessionVocabulary,
  ): void {
    const end = startSample + pcm.length;
    let at = startSample;
    for (const pause of pauses) {
      if (pause <= at || pause > end) continue;
      this.feed(sessionId, language, at, pcm.subarray(at - startSample, pause - startSample), segmentStartSample, vocabulary);
      this.pause(sessionId, segmentStartSample, pause);
      at = pause;
    }
    if (at < end) this.feed(sessionId, language, at, pcm.subarray(at - startSample), segmentStartSample, vocabulary);
  }

  /** Where the session's stream of the segment starting at `segmentStartSample` has heard up to, if there is one. */
  heard(sessionId: string, segmentStartSample: number): number | undefined {
    const live = this.live.get(sessionId);
    return live && live.segmentStartSample === segmentStartSample ? live.nextSample : undefined;
  }

  /**
   * The interim hypothesis of the session's open segment, if one is being recognized: once the audio fed so far
   * is decoded, or, with `wait` false (a stream just replayed, seconds of audio behind), what is decoded already.
   */
  async interim(sessionId: string, wait = true): Promise<string | undefined> {
    const live = this.live.get(sessionId);
    if (live?.segmentStartSample === undefined) return undefined;
    return wait ? live.work.catch(() => undefined) : live.latest;
  }

  /**
   * The words of the current phrase of the session's open segment (the one starting at `segmentStartSample`), each
   * stable as the recognizer says or, where it does not, as far as they agree with the words the previous call got
   * (see `settledWords`): once the audio fed so far is decoded, or, with `wait` false (a stream just caught up,
   * seconds of audio behind), as far as it is decoded already. Undefined when no stream is hearing that segment, the
   * recognizer failed, or (not waiting) nothing more was decoded since the previous call.
   */
  async phraseWords(sessionId: string, segmentStartSample: number, wait = true): Promise<HeardWord[] | undefined> {
    const live = this.live.get(sessionId);
    if (live?.segmentStartSample !== segmentStartSample) return undefined;
    const previous = live.judged;
    const phrase = live.phrase;
    let current: PhraseWords;
    if (wait) {
      const through = live.nextSample;
      try {
        current = { words: await live.stream.phraseWords(), through };
      } catch {
        return undefined; // reported by feed() or take()
      }
    } else {
      if (!live.decoded || live.decoded.through <= (previous?.through ?? -1)) return undefined;
      current = live.decoded;
    }
    const words = settledWords(previous?.words, current.words);
    // Unless a pause or another segment started the comparison afresh in the meantime.
    if (live.phrase === phrase && live.segmentStartSample === segmentStartSample && (live.judged?.through ?? -1) < current.through) {
      live.judged = { words, through: current.through };
    }
    return words;
  }

  /**
   * The segment the session's stream was hearing will not close here (the segmenter found it was noise, or another
   * environment closed it): it ends in the stream with its text unused, and the stream carries on with the next one.
   */
  abandonSegment(sessionId: string): void {
    const live = this.live.get(sessionId);
    if (live?.segmentStartSample === undefined) return;
    live.segmentStartSample = undefined;
    newPhrase(live);
    live.stream.endSegment().catch(() => undefined);
  }

  /**
   * Detaches the closed segment from the session's stream, now, and returns how to get its final text: from the
   * stream when it heard this segment from its start to at least its end, else by transcribing the segment's audio.
   * The stream stays for the next segment, unless it heard on past this one's end (a cut at the maximum length): the
   * next segment is then heard afresh from the cut, on a new stream.
   */
  take(sessionId: string, language: string, segment: ClosedSegment, vocabulary?: SessionVocabulary): () => Promise<string> {
    const live = this.live.get(sessionId);
    // The segmenter hands out a segment's audio up to its end before it closes it (a pause), or beyond it (a cut).
    const matches = live !== undefined && live.segmentStartSample === segment.startSample && live.nextSample >= segment.endSample;
    if (!matches) {
      this.abandonSegment(sessionId);
      return () => this.transcribeWhole(sessionId, language, segment, vocabulary);
    }
    const writes = live.work;
    const heardPast = live.nextSample > segment.endSample;
    newPhrase(live);
    const final = live.stream.endSegment(heardPast ? segment.endSample - segment.startSample : undefined);
    final.catch(() => undefined);
    live.segmentStartSample = undefined;
    live.work = Promise.resolve("");
    live.latest = undefined;
    if (heardPast) this.end(sessionId);
    return async () => {
      try {
        await writes;
      } catch {
        // Reported by feed().
        return this.transcribeWhole(sessionId, language, segment, vocabulary);
      }
      try {
        return await final;
      } catch (error) {
        this.failed(sessionId, "stream", error);
        if (this.live.get(sessionId) === live) this.live.delete(sessionId);
        live.stream.abort();
        return this.transcribeWhole(sessionId, language, segment, vocabulary);
      }
    };
  }

  /**
   * Ends streams that have been quiet long enough. The session being consumed: between segments for
   * `RECOGNIZER_QUIET_MS` of its audio (a long pause), or, when this environment only now gets the session back
   * (`warm` false), that long on the clock since its stream last heard anything. Any other session: that long on the
   * clock (this environment stopped getting its batches and may never see it again). The clock never ends the stream
   * of a session this environment kept: a consumer running behind writes seconds apart, but its stream is current.
   */
  endQuiet(sessionId: string, consumedSamples: number, warm: boolean): void {
    const live = this.live.get(sessionId);
    if (live && live.segmentStartSample === undefined && consumedSamples - live.nextSample >= RECOGNIZER_QUIET_MS * 16) {
      this.log({ level: "debug", event: "recognition.stream_ended", sessionId, reason: "pause" });
      this.end(sessionId);
    }
    const now = this.now();
    for (const [other, stream] of this.live) {
      if ((other === sessionId && warm) || now - stream.lastWriteAt < RECOGNIZER_QUIET_MS) continue;
      this.log({ level: "debug", event: "recognition.stream_ended", sessionId: other, reason: "unused" });
      this.end(other);
    }
  }

  /** Ends the session's stream: segments already taken still get their text. */
  end(sessionId: string): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    this.live.delete(sessionId);
    live.stream.end().catch(() => undefined);
  }

  /** Drops the session's stream at once (the batch failed and is retried from the stream). */
  drop(sessionId: string): void {
    const live = this.live.get(sessionId);
    if (!live) return;
    this.live.delete(sessionId);
    live.stream.abort();
  }

  /** Ends every open stream (shutting down). */
  close(): void {
    for (const sessionId of [...this.live.keys()]) this.end(sessionId);
  }

  /**
   * Starts a recognizer request, counted as Amazon Transcribe bills streaming: per request, in whole seconds of
   * audio, at least 15 seconds. The request counts when it starts; its audio when it ends, the only time it is known.
   */
  private startStream(language: string, vocabulary?: SessionVocabulary): RecognitionStream {
    const stream = this.recognizer.startStream(language, vocabulary);
    const measurements = this.measurements;
    if (!measurements) return stream;
    measurements.count("RecognizerRequests");
    let samples = 0;
    let ended = false;
    const bill = () => {
      if (ended) return;
      ended = true;
      measurements.count("RecognizerAudioSeconds", samples / 16_000);
      measurements.count("RecognizerBilledSeconds", Math.max(15, Math.ceil(samples / 16_000)));
    };
    return {
      write: (pcm) => {
        samples += pcm.length;
        return stream.write(pcm);
      },
      endSegment: (endSample) => stream.endSegment(endSample),
      pause: () => stream.pause(),
      phraseWords: () => stream.phraseWords(),
      end: () => {
        bill();
        return stream.end();
      },
      abort: () => {
        bill();
        stream.abort();
      },
    };
  }

  /**
   * A segment no stream heard whole: a request of its own, with its phrases ended where the live stream's were. A
   * request refused at the streams quota is retried within `RECOGNIZER_STREAM_RETRY`; past it, its quota error is
   * thrown for the caller to name the loss.
   */
  private transcribeWhole(sessionId: string, language: string, segment: ClosedSegment, vocabulary?: SessionVocabulary): Promise<string> {
    const retried = () => {
      this.log({ level: "info", event: "quota.retried", sessionId, quota: "recognition" });
      this.measurements?.count("QuotaRetries");
    };
    return withinQuota(() => this.transcribeOnce(sessionId, language, segment, vocabulary), { sleep: this.sleep, onRetry: retried }, RECOGNIZER_STREAM_RETRY);
  }

  private async transcribeOnce(sessionId: string, language: string, segment: ClosedSegment, vocabulary?: SessionVocabulary): Promise<string> {
    const { pcm, startSample } = segment;
    const stream = this.startStream(language, vocabulary);
    try {
      const ends = [...segment.pauses.map((p) => p - startSample), pcm.length];
      let from = 0;
      for (const end of ends) {
        for (let at = from; at < end; at += BATCH_WRITE_SAMPLES) {
          await stream.write(pcm.subarray(at, Math.min(end, at + BATCH_WRITE_SAMPLES)));
        }
        if (end < pcm.length) stream.pause().catch(() => undefined);
        from = end;
      }
      const text = await stream.endSegment();
      await stream.end();
      return text;
    } catch (error) {
      // The batch fails and is retried (from the stream, in whichever environment).
      this.failed(sessionId, "whole", error);
      stream.abort();
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
