/** 16 kHz mono signed 16-bit little-endian PCM, the one audio format between speaker and pipeline. */
import { SAMPLE_RATE } from "../protocol/index.ts";

export { SAMPLE_RATE };

export function samplesToMs(samples: number): number {
  return (samples * 1000) / SAMPLE_RATE;
}

export function msToSamples(ms: number): number {
  return Math.round((ms * SAMPLE_RATE) / 1000);
}

/** Decodes base64 PCM; undefined when the bytes are not a whole number of 16-bit samples. */
export function pcmFromBase64(base64: string): Int16Array | undefined {
  return pcmFromBytes(Buffer.from(base64, "base64"));
}

/** Reads little-endian samples whatever the host order and the view's alignment. */
export function pcmFromBytes(bytes: Uint8Array): Int16Array | undefined {
  if (bytes.byteLength % 2 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pcm = new Int16Array(bytes.byteLength / 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
  return pcm;
}

export function pcmToBase64(pcm: Int16Array): string {
  return pcmToBytes(pcm).toString("base64");
}

export function pcmToBytes(pcm: Int16Array): Buffer {
  const bytes = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i]!, i * 2);
  return bytes;
}

export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
