// A fixed-window counter per key, in memory: enough to slow a key-guessing client on one API
// process (several processes each count their own; the limit is then per process). Windows are
// forgotten as they expire, so memory stays bounded by the clients seen in one window.
export interface RateLimit {
  max: number;
  windowMs: number;
}

export class FailureCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `key` has used up its failures in the current window. */
  blocked(key: string): boolean {
    const w = this.current(key);
    return w !== null && w.count >= this.limit.max;
  }

  /** Counts one failure; returns the count in the window (1 for the first). */
  fail(key: string): number {
    const t = this.now();
    const w = this.current(key) ?? { start: t, count: 0 };
    w.count++;
    this.windows.set(key, w);
    if (this.windows.size > 10_000) this.sweep(t);
    return w.count;
  }

  /** Seconds until the key's window ends (for Retry-After). */
  retryAfterSeconds(key: string): number {
    const w = this.current(key);
    return w ? Math.max(1, Math.ceil((w.start + this.limit.windowMs - this.now()) / 1000)) : 0;
  }

  private current(key: string) {
    const w = this.windows.get(key);
    if (!w) return null;
    if (this.now() - w.start >= this.limit.windowMs) {
      this.windows.delete(key);
      return null;
    }
    return w;
  }

  private sweep(t: number) {
    for (const [k, w] of this.windows) if (t - w.start >= this.limit.windowMs) this.windows.delete(k);
  }
}
