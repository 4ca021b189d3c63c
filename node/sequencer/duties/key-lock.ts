/**
 * Orders MPC work around key changes: signing sessions share the key (they run side by side), a keygen or reshare
 * replaces it and runs alone. FIFO, so every host — dispatching sessions in consensus session-id order — runs
 * a reshare before or after the same signing sessions as its peers.
 */
export class KeyLock {
  private shared = 0;
  private exclusive = false;
  private readonly queue: { exclusive: boolean; start: () => void }[] = [];

  /** Runs `task` alongside other shared tasks, after any exclusive task queued before it. */
  withShared<T>(task: () => Promise<T>): Promise<T> {
    return this.run(false, task);
  }

  /** Runs `task` alone, after every task queued before it. */
  withExclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.run(true, task);
  }

  private run<T>(exclusive: boolean, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        if (exclusive) this.exclusive = true;
        else this.shared++;
        task()
          .then(resolve, reject)
          .finally(() => {
            if (exclusive) this.exclusive = false;
            else this.shared--;
            this.drain();
          });
      };
      this.queue.push({ exclusive, start });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.exclusive) {
      const next = this.queue[0]!;
      if (next.exclusive && this.shared > 0) return;
      this.queue.shift();
      next.start();
      if (next.exclusive) return;
    }
  }
}
