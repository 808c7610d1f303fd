/**
 * The waits of a stream reader (between polls, before a retry or a new subscription), all cut short at once when it
 * stops, so stopping never waits out a backoff.
 */
export class Pauses {
  private readonly wakers = new Set<() => void>();

  /** Resolves after `ms`, or at the next `wakeAll()`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Resolves at the next `wakeAll()`; `release()` gives the wait up (it then never resolves). */
  untilWoken(): { woken: Promise<void>; release(): void } {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.wakers.add(wake);
    return { woken, release: () => void this.wakers.delete(wake) };
  }

  /** Ends every wait now. */
  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
