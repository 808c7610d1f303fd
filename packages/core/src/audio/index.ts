/**
 * 16 kHz mono signed 16-bit little-endian PCM, the one audio format between speaker and pipeline. Browser-safe
 * (no Buffer): the speaker app encodes with it and the backend decodes with it.
 */
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
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return pcmFromBytes(bytes);
}

/** Reads little-endian samples whatever the host order and the view's alignment. */
export function pcmFromBytes(bytes: Uint8Array): Int16Array | undefined {
  if (bytes.byteLength % 2 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pcm = new Int16Array(bytes.byteLength / 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
  return pcm;
}

/** Little-endian bytes whatever the host, then base64. */
export function pcmToBase64(pcm: Int16Array): string {
  const view = new DataView(new ArrayBuffer(pcm.length * 2));
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
  const bytes = new Uint8Array(view.buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
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
