/** Kinesis sequence numbers are decimal strings up to 128 bits, increasing within a shard. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
