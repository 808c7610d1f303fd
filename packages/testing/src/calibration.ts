/**
 * How fast this machine is right now, as one figure: the time a fixed CPU-bound loop takes. Machines of the
 * same kind differ 2-3x, and a shared 2-core machine is often busy, so timeouts in tests and figures in the
 * benchmark are read against it rather than against a guess.
 *
 * The loop is the kind of work the pipeline does per audio frame (float arithmetic over Int16 samples), run
 * a fixed number of times; the median of a few runs smooths a momentary stall.
 */

/** What the loop took on the machine the base timeouts were chosen on (2-core AMD EPYC, idle). */
export const REFERENCE_CPU_LOOP_MS = 60;

const SAMPLES = 16_000;
const PASSES = 400;

function cpuLoopOnce(): number {
  const pcm = new Int16Array(SAMPLES);
  let seed = 12345;
  for (let i = 0; i < SAMPLES; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pcm[i] = (seed % 65536) - 32768;
  }
  const started = performance.now();
  let energy = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < SAMPLES; i++) {
      const s = pcm[i]! / 32768;
      energy += s * s * Math.cos(i * 0.001 + pass);
    }
  }
  const elapsed = performance.now() - started;
  // Keeps the loop from being optimized away.
  if (Number.isNaN(energy)) throw new Error("calibration loop produced NaN");
  return elapsed;
}

/** Median time of the fixed loop, in ms. */
export function measureCpuLoopMs(runs = 5): number {
  const times = Array.from({ length: runs }, cpuLoopOnce).sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)]!.toFixed(1));
}

/** How many times slower than the reference this machine is now (never below 1). */
export function slowdown(cpuLoopMs: number): number {
  return Math.max(1, cpuLoopMs / REFERENCE_CPU_LOOP_MS);
}

/**
 * The environment variable through which the test runner hands the measured slowdown to every test
 * worker; see `scaledTimeout`.
 */
export const TIME_SCALE_ENV = "LIVETRANSLATE_TIME_SCALE";

/**
 * A timeout for work whose duration follows the machine's speed: `baseMs` (chosen on the reference machine
 * with room for a busy neighbour) times the slowdown measured when the test run started.
 */
export function scaledTimeout(baseMs: number): number {
  const scale = Number(process.env[TIME_SCALE_ENV]);
  return Math.round(baseMs * (Number.isFinite(scale) && scale >= 1 ? scale : 1));
}
