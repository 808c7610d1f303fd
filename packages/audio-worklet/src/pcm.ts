/** Float audio to the wire format, and the level a meter shows. */

/** Float32 in [-1, 1] to Int16, clamping anything beyond. */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  return out;
}

export interface Level {
  /** Root mean square, 0..1. */
  rms: number;
  /** Largest absolute sample, 0..1. */
  peak: number;
}

export function levelOf(samples: Int16Array): Level {
  let sum = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]! / 32768;
    sum += s * s;
    peak = Math.max(peak, Math.abs(s));
  }
  return { rms: samples.length ? Math.sqrt(sum / samples.length) : 0, peak };
}

/** Collects samples into fixed chunks of `size`. */
export class Chunker {
  private chunk: Int16Array;
  private filled = 0;

  constructor(readonly size: number) {
    this.chunk = new Int16Array(size);
  }

  push(samples: Int16Array): Int16Array[] {
    const full: Int16Array[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.size - this.filled, samples.length - offset);
      this.chunk.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.size) {
        full.push(this.chunk);
        this.chunk = new Int16Array(this.size);
        this.filled = 0;
      }
    }
    return full;
  }
}
