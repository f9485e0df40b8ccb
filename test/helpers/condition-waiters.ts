/**
 * Promises that resolve once a condition on a test server holds: the condition is checked again
 * each time the server calls `notify()` (a request, a message, a closed connection).
 */
export class ConditionWaiters<T> {
  private waiters: Array<() => void> = [];

  constructor(private readonly subject: T) {}

  waitFor(cond: (subject: T) => boolean, timeoutMs: number): Promise<void> {
    if (cond(this.subject)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('upstream condition not met in time')),
        timeoutMs,
      );
      const check = () => {
        if (!cond(this.subject)) {
          this.waiters.push(check);
          return;
        }
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
