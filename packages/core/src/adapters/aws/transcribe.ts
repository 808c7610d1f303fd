/**
 * Speech to text with Amazon Transcribe Streaming: one `StartStreamTranscription` per recognition stream, which
 * carries a session's segments one after another (Transcribe bills each request for at least 15 s, so one request
 * per segment would bill a 4 s sentence as 15 s). Audio goes out as the speaker talks (16 kHz PCM in audio events of
 * 100 ms, within the documented 50-200 ms). Transcribe cuts its results where it likes, so results are mapped to our
 * segments by the audio time of their items: a word belongs to the segment its middle falls in, and a segment's text
 * is ready once every word before its end is final or stable and Transcribe has caught up with its end. The audio
 * from the oldest segment still waiting for its text is kept, so a throttled or failed request is started again
 * from there (the new request's times then count from that point: the stream keeps that offset).
 */
import {
  type Item,
  type LanguageCode,
  StartStreamTranscriptionCommand,
  type TranscribeStreamingClient,
  type TranscriptResultStream,
} from "@aws-sdk/client-transcribe-streaming";
import { pushable, type Pushable } from "it-pushable";
import type { HeardWord, RecognitionStream, SessionVocabulary, SpeechRecognizer } from "../../ports/index.ts";
import type { IamAction } from "../../ports/iam.ts";
import { TRANSCRIBE_LANGUAGES } from "./transcribe-languages.ts";
import { withRetries } from "./retry.ts";

export { TRANSCRIBE_LANGUAGES } from "./transcribe-languages.ts";

/** 100 ms of 16 kHz s16le mono. */
export const AUDIO_EVENT_BYTES = 3200;

export interface TranscribeOptions {
  client: TranscribeStreamingClient;
  /** Attempts for one request when the service throttles or fails (limit exceeded, 5xx). */
  attempts?: number;
  /**
   * Custom vocabulary per source language (a Transcribe vocabulary has one language, and a request naming one
   * of another language fails), e.g. `{ en: "conference-terms" }`.
   */
  vocabularies?: Readonly<Record<string, string>>;
  /**
   * How long an ended segment waits for words Transcribe may still be decoding, when nothing shows it has caught up
   * with the segment's end (default 600 ms).
   */
  settleMs?: number;
  /** After this long an ended segment takes the words it has, stable or not (default 2500 ms). */
  finalWaitMs?: number;
}

export class TranscribeRecognizer implements SpeechRecognizer {
  static readonly iamActions: readonly IamAction[] = [{ action: "transcribe:StartStreamTranscription", resource: "*" }];
  readonly languages = Object.keys(TRANSCRIBE_LANGUAGES);

  constructor(private readonly options: TranscribeOptions) {}

  /** A session's own custom vocabulary (see transcribe-vocabularies.ts) once ready, else the deployment-wide one. */
  startStream(language: string, vocabulary?: SessionVocabulary): RecognitionStream {
    const languageCode = TRANSCRIBE_LANGUAGES[language];
    if (!languageCode) throw new Error(`Amazon Transcribe streaming is not set up for "${language}"`);
    return new TranscribeStream(this.options, languageCode, vocabulary?.name ?? this.options.vocabularies?.[language]);
  }
}

const SAMPLE_RATE = 16_000;

/**
 * A segment whose last recognized word ends this close to the segment's end has been heard to its end: what follows
 * is the silence the segmenter keeps after a pause (150 ms) and Transcribe's word timing. A word still to come
 * would end later: the segmenter closes only after 500 ms without speech.
 */
const CAUGHT_UP_TAIL_S = 0.35;

function toAudioEvents(pcm: Int16Array): Uint8Array[] {
  const bytes = new Uint8Array(pcm.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
  const events: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += AUDIO_EVENT_BYTES) events.push(bytes.subarray(at, at + AUDIO_EVENT_BYTES));
  return events;
}

/** A recognized word or punctuation mark, its times in seconds of this stream's audio. */
interface Word {
  start: number;
  end: number;
  content: string;
  punctuation: boolean;
  stable: boolean;
}

/** A pause asked at `at` seconds of the stream's audio, waiting for Transcribe to catch up with it. */
interface PendingPause {
  at: number;
  segmentStart: number;
  askedAt: number;
  answered: Promise<string>;
  resolve(text: string): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A segment ended in the stream, waiting for its text: from `start` to `end` seconds of the stream's audio. */
interface EndedSegment {
  start: number;
  end: number;
  endedAt: number;
  resolve(text: string): void;
  reject(error: Error): void;
  timers: ReturnType<typeof setTimeout>[];
}

class TranscribeStream implements RecognitionStream {
  /** Audio events from the oldest segment still waiting for its text, with the stream sample each starts at. */
  private kept: { sample: number; event: Uint8Array }[] = [];
  private written = 0;
  private segmentStart = 0;
  /** Stream time (s) up to which a pause committed the current segment's words. */
  private committedTo = 0;
  /** Stream sample where the current request's audio begins: its result times count from there. */
  private offset = 0;
  private input: Pushable<Uint8Array>;
  private finals: Word[] = [];
  private partial: Word[] = [];
  private waiting: EndedSegment[] = [];
  /** Pauses not answered yet, in the order asked. */
  private pauses: PendingPause[] = [];
  /** Stream time (s) the results so far reach (their end times). */
  private resultsTo = 0;
  private failure?: Error;
  /** The request is over: no more words will come. */
  private closed = false;
  private ended = false;
  private readonly result: Promise<void>;

  constructor(
    private readonly options: TranscribeOptions,
    private readonly languageCode: LanguageCode,
    private readonly vocabularyName: string | undefined,
  ) {
    this.input = pushable<Uint8Array>();
    this.result = this.run().then(
      () => {
        this.closed = true;
        this.settle();
      },
      (error: Error) => this.fail(error),
    );
  }

  async write(pcm: Int16Array): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.ended || this.closed) throw new Error("Transcribe stream already closed");
    for (const event of toAudioEvents(pcm)) {
      this.kept.push({ sample: this.written, event });
      this.input.push(event);
      this.written += event.byteLength / 2;
    }
    return this.textBetween(this.segmentStart / SAMPLE_RATE, Infinity);
  }

  /**
   * Transcribe finds the ends of phrases itself (its results turn final at pauses); what a pause can commit is the
   * run of words since the last commit that its results hold final or stable, up to the first word that may still
   * change. It answers once Transcribe has caught up with the pause: audio replayed into a new stream (another
   * environment took the session) is written in a moment, and a pause that answered before any result came would
   * commit nothing, leaving the next one every word since the segment began, parts already sent included.
   */
  pause(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const pause = { at: this.written / SAMPLE_RATE, segmentStart: this.segmentStart / SAMPLE_RATE, askedAt: Date.now() } as PendingPause;
    pause.answered = new Promise<string>((resolve, reject) => Object.assign(pause, { resolve, reject }));
    pause.answered.catch(() => undefined);
    pause.timer = setTimeout(() => this.settle(), this.options.settleMs ?? 600);
    this.pauses.push(pause);
    this.settle();
    return pause.answered;
  }

  /** Commits the stable run since the last commit for `pause` (see `pause`). */
  private commitAt(pause: PendingPause): string {
    const from = Math.max(this.committedTo, pause.segmentStart);
    let to = from;
    for (const word of [...this.finals, ...this.partial]) {
      if (word.punctuation || middle(word) < from) continue;
      if (middle(word) >= pause.at || !word.stable) break;
      to = word.end;
    }
    if (to === from) return "";
    this.committedTo = to;
    return this.textBetween(from, to);
  }

  /** Whether Transcribe's results have reached `at` seconds, or `since` is long enough ago to stop waiting. */
  private caughtUp(words: readonly Word[], from: number, at: number, since: number): boolean {
    const before = words.filter((w) => !w.punctuation && middle(w) >= from && middle(w) < at);
    return (
      this.closed ||
      this.resultsTo >= at - CAUGHT_UP_TAIL_S ||
      words.some((w) => w.start >= at) ||
      (before.length > 0 && before.at(-1)!.end >= at - CAUGHT_UP_TAIL_S) ||
      Date.now() - since >= (this.options.settleMs ?? 600)
    );
  }

  /**
   * The current segment's words since the last pause's commit, each with the punctuation Transcribe put after it,
   * stable as its results say (final, or held stable by partial-results stabilization). After the pauses asked
   * before it have answered.
   */
  async phraseWords(): Promise<HeardWord[]> {
    if (this.failure) throw this.failure;
    if (this.pauses.length > 0) await this.pauses.at(-1)!.answered.catch(() => undefined);
    if (this.failure) throw this.failure;
    const from = Math.max(this.committedTo, this.segmentStart / SAMPLE_RATE);
    return this.wordsBetween(from, Infinity).map((word) => ({
      text: word.content,
      endSample: Math.round(word.end * SAMPLE_RATE) - this.segmentStart,
      stable: word.stable,
    }));
  }

  endSegment(endSample?: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const start = this.segmentStart / SAMPLE_RATE;
    const end = endSample === undefined ? this.written / SAMPLE_RATE : (this.segmentStart + Math.min(endSample, this.written - this.segmentStart)) / SAMPLE_RATE;
    this.segmentStart = this.written;
    let segment!: EndedSegment;
    const promise = new Promise<string>((resolve, reject) => {
      segment = { start, end, endedAt: Date.now(), resolve, reject, timers: [] };
    });
    this.waiting.push(segment);
    // Words arrive with the results; these make sure the waits end when nothing arrives.
    for (const ms of [this.options.settleMs ?? 600, this.options.finalWaitMs ?? 2500]) segment.timers.push(setTimeout(() => this.settle(), ms));
    this.settle();
    return promise;
  }

  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.input.end();
    }
    await this.result;
  }

  abort(): void {
    this.ended = true;
    this.fail(new Error("Transcribe stream aborted"));
  }

  /** One request; on a retryable failure, a new request replays the audio kept, its times counting from there. */
  private run(): Promise<void> {
    return withRetries(() => this.stream(), this.options.attempts ?? 4, () => {
      this.offset = this.kept[0]?.sample ?? this.written;
      const from = this.offset / SAMPLE_RATE;
      this.finals = this.finals.filter((w) => w.end <= from);
      this.resultsTo = Math.min(this.resultsTo, from);
      this.partial = [];
      const replay = pushable<Uint8Array>();
      for (const { event } of this.kept) replay.push(event);
      if (this.ended) replay.end();
      this.input = replay;
    });
  }

  private async stream(): Promise<void> {
    const input = this.input;
    async function* audioStream() {
      for await (const chunk of input) yield { AudioEvent: { AudioChunk: chunk } };
    }
    const response = await this.options.client.send(
      new StartStreamTranscriptionCommand({
        LanguageCode: this.languageCode,
        MediaEncoding: "pcm",
        MediaSampleRateHertz: SAMPLE_RATE,
        EnablePartialResultsStabilization: true,
        PartialResultsStability: "high",
        VocabularyName: this.vocabularyName,
        AudioStream: audioStream(),
      }),
    );
    for await (const event of response.TranscriptResultStream ?? []) this.receive(event);
  }

  private receive(event: TranscriptResultStream): void {
    const streamError =
      event.BadRequestException ?? event.LimitExceededException ?? event.InternalFailureException ?? event.ConflictException ?? event.ServiceUnavailableException;
    if (streamError) throw streamError;
    const offset = this.offset / SAMPLE_RATE;
    for (const result of event.TranscriptEvent?.Transcript?.Results ?? []) {
      this.resultsTo = Math.max(this.resultsTo, (result.EndTime ?? 0) + offset);
      const alternative = result.Alternatives?.[0];
      const start = (result.StartTime ?? 0) + offset;
      const items = alternative?.Items ?? [];
      const words: Word[] =
        items.length > 0
          ? items.map((item) => wordOf(item, offset, !result.IsPartial))
          : // A result without items (no word timing): its whole text where it starts.
            [{ start, end: start, content: alternative?.Transcript?.trim() ?? "", punctuation: false, stable: !result.IsPartial }].filter((w) => w.content);
      // One result is open at a time: a partial replaces the previous one, a final settles it.
      if (result.IsPartial) this.partial = words;
      else {
        this.finals.push(...words);
        this.partial = [];
      }
    }
    this.settle();
  }

  /** Answers the pauses Transcribe has caught up with, in order, and resolves every ended segment whose words are all in. */
  private settle(): void {
    const now = Date.now();
    const words = [...this.finals, ...this.partial];
    while (this.pauses[0] && this.caughtUp(words, Math.max(this.committedTo, this.pauses[0].segmentStart), this.pauses[0].at, this.pauses[0].askedAt)) {
      const pause = this.pauses.shift()!;
      clearTimeout(pause.timer);
      pause.resolve(this.commitAt(pause));
    }
    this.waiting = this.waiting.filter((segment) => {
      const before = words.filter((w) => !w.punctuation && middle(w) < segment.end);
      const settled = before.every((w) => w.stable);
      const caughtUp =
        this.closed ||
        words.some((w) => w.start >= segment.end) ||
        (before.length > 0 && before.at(-1)!.end >= segment.end - CAUGHT_UP_TAIL_S) ||
        now - segment.endedAt >= (this.options.settleMs ?? 600);
      const gaveUp = now - segment.endedAt >= (this.options.finalWaitMs ?? 2500);
      if (!(settled && caughtUp) && !gaveUp) return true;
      for (const timer of segment.timers) clearTimeout(timer);
      segment.resolve(this.textBetween(segment.start, segment.end));
      return false;
    });
    // Audio is kept only as far back as a retry could need it.
    const needed = Math.round((this.waiting[0]?.start ?? this.segmentStart / SAMPLE_RATE) * SAMPLE_RATE);
    while (this.kept[0] && this.kept[0].sample + this.kept[0].event.byteLength / 2 <= needed) this.kept.shift();
  }

  /** The text of the words (final, then the open result's) whose middle falls between `start` and `end` seconds. */
  private textBetween(start: number, end: number): string {
    return this.wordsBetween(start, end)
      .map((word) => word.content)
      .join(" ");
  }

  /**
   * The words (final, then the open result's) whose middle falls between `start` and `end` seconds, each with the
   * punctuation marks after it in its content: a mark goes wherever the word before it went.
   */
  private wordsBetween(start: number, end: number): Word[] {
    const words: Word[] = [];
    let previousIn = false;
    for (const word of [...this.finals, ...this.partial]) {
      if (word.punctuation) {
        if (previousIn) words[words.length - 1] = { ...words.at(-1)!, content: words.at(-1)!.content + word.content };
        continue;
      }
      previousIn = middle(word) >= start && middle(word) < end;
      if (previousIn) words.push(word);
    }
    return words;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.closed = true;
    this.input.end(error);
    for (const segment of this.waiting) {
      for (const timer of segment.timers) clearTimeout(timer);
      segment.reject(this.failure);
    }
    this.waiting = [];
    for (const pause of this.pauses) {
      clearTimeout(pause.timer);
      pause.reject(this.failure);
    }
    this.pauses = [];
  }
}

function wordOf(item: Item, offset: number, final: boolean): Word {
  return {
    start: (item.StartTime ?? 0) + offset,
    end: (item.EndTime ?? 0) + offset,
    content: item.Content ?? "",
    punctuation: item.Type === "punctuation",
    stable: final || item.Stable === true,
  };
}

function middle(word: Word): number {
  return (word.start + word.end) / 2;
}
