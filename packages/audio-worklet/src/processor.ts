/**
 * The capture AudioWorklet: microphone at the device rate in, 16 kHz mono Int16 chunks out, each posted
 * by transfer with its level. Bundled on its own (it runs in the audio rendering thread).
 */
import { type ChunkMessage, CaptureMessageType, DEFAULT_CHUNK_MS, MAX_CHUNK_MS, MIN_CHUNK_MS, PROCESSOR_NAME, type ProcessorOptions, TARGET_SAMPLE_RATE } from "./messages.ts";
import { Chunker, floatToInt16, levelOf } from "./pcm.ts";
import { StreamingResampler } from "./resampler.ts";

declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: { processorOptions?: unknown });
}
declare function registerProcessor(name: string, processor: unknown): void;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler = new StreamingResampler(sampleRate, TARGET_SAMPLE_RATE);
  private readonly chunker: Chunker;
  private emitted = 0;
  private readonly chunkSamples: number;

  constructor(options: { processorOptions?: Partial<ProcessorOptions> }) {
    super(options);
    const chunkMs = Math.min(MAX_CHUNK_MS, Math.max(MIN_CHUNK_MS, options.processorOptions?.chunkMs ?? DEFAULT_CHUNK_MS));
    this.chunkSamples = Math.round((chunkMs * TARGET_SAMPLE_RATE) / 1000);
    this.chunker = new Chunker(this.chunkSamples);
  }

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    for (const chunk of this.chunker.push(floatToInt16(this.resampler.process(channel)))) {
      const { rms, peak } = levelOf(chunk);
      const message: ChunkMessage = {
        type: CaptureMessageType.Chunk,
        pcm: chunk.buffer as ArrayBuffer,
        rms,
        peak,
        startTime: (this.emitted * this.chunkSamples) / TARGET_SAMPLE_RATE,
      };
      this.emitted++;
      this.port.postMessage(message, [chunk.buffer]);
    }
    return true;
  }
}

registerProcessor(PROCESSOR_NAME, CaptureProcessor);
