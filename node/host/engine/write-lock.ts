/**
 * Serialises everything that writes the chain (producing, applying a peer's block, rewinding): each is one native
 * call run off the event loop, and the native layer would refuse a second writer anyway; this keeps the host's own
 * view (heads, pool, seals) in step with it.
 */
export class WriteLock {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  get busy(): boolean {
    return this.held;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.held = true;
    try {
      return await fn();
    } finally {
      this.held = false;
      release();
    }
  }
}
