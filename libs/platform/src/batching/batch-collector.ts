interface Waiting<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups single requests into batches: a request waits while `maxRunning` batches run, and the
 * requests that waited run together, up to `maxBatch` at a time. Under light load each request
 * runs at once on its own; under heavy load batches grow, so the cost of a transaction is shared.
 * When a batch fails, its requests run again one by one, so one bad key fails only itself.
 */
export class BatchCollector<K, V> {
  private readonly waiting: Waiting<K, V>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly runBatch: (keys: K[]) => Promise<V[]>,
    private readonly maxBatch: number,
    private readonly maxRunning: number,
  ) {}

  /**
   * A collector for sends that answer nothing (Redis enqueues, published messages): one send in
   * flight at a time, the items handed in meanwhile go together in the next, and each item's
   * promise settles once a send that includes it is done.
   */
  static sending<K>(send: (items: K[]) => Promise<void>, maxBatch = 10_000): BatchCollector<K, undefined> {
    return new BatchCollector<K, undefined>(
      async (items) => {
        await send(items);
        return items.map(() => undefined);
      },
      maxBatch,
      1,
    );
  }

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      this.schedule();
    });
  }

  /** Starts batches on the next turn of the event loop, so requests arriving together go together. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.maxRunning && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  private async run(batch: Waiting<K, V>[]): Promise<void> {
    try {
      const values = await this.runBatch(batch.map((w) => w.key));
      batch.forEach((w, i) => w.resolve(values[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const w of batch) {
        await this.runBatch([w.key]).then(([value]) => w.resolve(value!), w.reject);
      }
    }
  }
}
