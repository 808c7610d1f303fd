/**
 * Streaming sample-rate conversion with a windowed-sinc low-pass (Blackman window), for microphone audio
 * at 44.1 or 48 kHz going to 16 kHz. Works block by block (128-sample worklet quanta) and keeps its
 * history between blocks, so output is continuous. The filter is tabulated once per phase, so the
 * per-sample cost is one dot product.
 */
const PHASES = 256;

export class StreamingResampler {
  private readonly halfTaps: number;
  private readonly table: Float32Array[];
  /** Input not yet fully used, starting at absolute input index `bufferStart`. */
  private buffer = new Float32Array(0);
  private bufferStart = 0;
  /** Output samples produced so far: output k sits at input position k * inRate / outRate. */
  private produced = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    halfTaps = 24,
  ) {
    if (!(inRate > 0 && outRate > 0)) throw new Error(`sample rates must be positive (got ${inRate} -> ${outRate})`);
    this.halfTaps = halfTaps;
    // Cut off a little below the lower Nyquist frequency, relative to the input rate.
    const cutoff = (0.92 * Math.min(inRate, outRate)) / inRate;
    this.table = Array.from({ length: PHASES + 1 }, (_, phase) => {
      const frac = phase / PHASES;
      const taps = new Float32Array(2 * halfTaps);
      let sum = 0;
      for (let j = 0; j < 2 * halfTaps; j++) {
        const d = j - halfTaps + 1 - frac; // distance from the output position to input sample j
        const x = Math.PI * cutoff * d;
        const sinc = d === 0 ? 1 : Math.sin(x) / x;
        const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / halfTaps) + 0.08 * Math.cos((2 * Math.PI * d) / halfTaps);
        taps[j] = cutoff * sinc * Math.max(0, w);
        sum += taps[j]!;
      }
      // Unity gain at DC whatever the phase.
      for (let j = 0; j < taps.length; j++) taps[j]! /= sum;
      return taps;
    });
  }

  process(input: Float32Array): Float32Array {
    if (this.inRate === this.outRate) return input.slice();
    const joined = new Float32Array(this.buffer.length + input.length);
    joined.set(this.buffer);
    joined.set(input, this.buffer.length);
    this.buffer = joined;
    const bufferEnd = this.bufferStart + this.buffer.length;
    const out: number[] = [];
    for (;;) {
      const position = this.produced * this.inRate;
      const index = Math.floor(position / this.outRate);
      if (index + this.halfTaps >= bufferEnd) break;
      const frac = (position - index * this.outRate) / this.outRate;
      const taps = this.table[Math.round(frac * PHASES)]!;
      const first = index - this.halfTaps + 1 - this.bufferStart;
      let acc = 0;
      for (let j = 0; j < taps.length; j++) {
        const at = first + j;
        // Before the first sample there is silence.
        if (at >= 0) acc += this.buffer[at]! * taps[j]!;
      }
      out.push(acc);
      this.produced++;
    }
    // Keep only what the next output still needs.
    const nextIndex = Math.floor((this.produced * this.inRate) / this.outRate);
    const keepFrom = Math.max(this.bufferStart, nextIndex - this.halfTaps + 1);
    this.buffer = this.buffer.slice(keepFrom - this.bufferStart);
    this.bufferStart = keepFrom;
    return Float32Array.from(out);
  }
}
