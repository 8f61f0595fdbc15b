/**
 * Group commit for intake: requests that arrive while earlier writes are in flight are written
 * together, in one statement and one commit (one WAL flush, one round trip), and each request is
 * answered when the statement holding its row has committed.
 *
 * No timer: an item is written at once when fewer than `writers` statements are running, so a
 * lone request waits for nothing; under load the items that queued behind the running statements
 * form the next group. That is how PostgreSQL groups its own WAL flushes, one level up.
 */
export interface GroupCommitOptions<T> {
  /** Statements running at once (each on its own pooled connection). */
  writers: number;
  /** Most items in one statement. */
  maxItems: number;
  /** Most bytes (as `sizeOf` counts them) in one statement; a larger item is written alone. */
  maxBytes: number;
  sizeOf(item: T): number;
  /**
   * Whether an error of a group's statement may be caused by one item's content (so the group is
   * written again in halves, split until only the items that cannot be written fail) rather than
   * by the database's state (so every item of the group fails with it, as its own statement would
   * have).
   */
  isItemError(error: unknown): boolean;
}

interface Waiting<T, R> {
  item: T;
  size: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<T, R> {
  private readonly queue: Array<Waiting<T, R>> = [];
  private running = 0;

  constructor(
    /** Writes the items in one statement and returns one result per item, in their order. */
    private readonly writeGroup: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions<T>,
  ) {}

  /** Items waiting for a statement (not counting those of the statements running). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with the item's result once its group has committed. */
  write(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, size: this.options.sizeOf(item), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.writers && this.queue.length) {
      const group = this.nextGroup();
      this.running++;
      void this.run(group).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** The oldest waiting items, up to the count and byte limits (at least one). */
  private nextGroup(): Array<Waiting<T, R>> {
    const { maxItems, maxBytes } = this.options;
    let bytes = this.queue[0].size;
    let count = 1;
    while (count < this.queue.length && count < maxItems && bytes + this.queue[count].size <= maxBytes) bytes += this.queue[count++].size;
    return this.queue.splice(0, count);
  }

  private async run(group: Array<Waiting<T, R>>): Promise<void> {
    let results: R[];
    try {
      results = await this.writeGroup(group.map((waiting) => waiting.item));
    } catch (error) {
      if (group.length === 1 || !this.options.isItemError(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      // One item's content broke the group: each half is written again (and split again while it
      // fails), so only the items that cannot be stored fail, in a few statements, not one each.
      const half = Math.ceil(group.length / 2);
      await this.run(group.slice(0, half));
      await this.run(group.slice(half));
      return;
    }
    group.forEach((waiting, index) => waiting.resolve(results[index]));
  }
}
