/**
 * Every timer the emulator starts (latency, slow responses, async outcomes, callback retries) goes
 * through one registry, so close() can stop them all; they are unref'd so a forgotten emulator never
 * keeps a test process alive.
 */

export type CancelTimer = () => void;

export class TimerRegistry {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<(completed: boolean) => void>();
  private closed = false;

  /** Runs `task` after `ms`, unless cancelled or the registry is closed first. */
  schedule(ms: number, task: () => void): CancelTimer {
    if (this.closed) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Resolves true after `ms`, or false at once when the registry closes first. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (completed: boolean) => {
        this.sleepers.delete(wake);
        resolve(completed);
      };
      this.sleepers.add(wake);
      this.schedule(ms, () => wake(true));
    });
  }

  /** Stops every pending timer (POST /_emulator/reset); new ones may still be scheduled. */
  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake(false);
  }

  /** Stops every pending timer and refuses new ones (the emulator is closing). */
  close(): void {
    this.closed = true;
    this.cancelAll();
  }
}
