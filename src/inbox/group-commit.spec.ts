import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';

/** A write that takes until `release()`, fails with an item error when a group holds `bad`, and records each group. */
function writer(bad = new Set<number>()) {
  const groups: number[][] = [];
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const write = async (items: number[]) => {
    groups.push(items);
    await gate;
    if (items.some((item) => bad.has(item))) throw Object.assign(new Error('value overflows numeric format'), { code: '22003' });
    return items.map((item) => item * 10);
  };
  return { groups, write, open: () => { release(); gate = Promise.resolve(); } };
}

const options = { writers: 2, maxItems: 8, maxBytes: 1_000, sizeOf: (item: number) => item, isItemError: (error: unknown) => (error as { code?: string }).code === '22003' };

describe('GroupCommit', () => {
  it('writes a lone item at once, and groups what queues while the writers are busy, within the limits', async () => {
    const { groups, write, open } = writer();
    const commit = new GroupCommit(write, options);
    const results = Array.from({ length: 12 }, (_, index) => commit.write(index + 1));
    expect(groups).toEqual([[1], [2]]);
    expect(commit.waiting).toBe(10);
    open();
    expect(await Promise.all(results)).toEqual(Array.from({ length: 12 }, (_, index) => (index + 1) * 10));
    expect(groups.slice(2)).toEqual([[3, 4, 5, 6, 7, 8, 9, 10], [11, 12]]);
  });

  it('starts another group once the bytes would pass the limit', async () => {
    const { groups, write, open } = writer();
    const commit = new GroupCommit(write, { ...options, writers: 1, maxBytes: 10 });
    const results = [commit.write(1), commit.write(4), commit.write(5), commit.write(6), commit.write(20)];
    open();
    await Promise.all(results);
    expect(groups).toEqual([[1], [4, 5], [6], [20]]);
  });

  it('splits a group one item broke until only that item fails, in a few statements', async () => {
    const { groups, write, open } = writer(new Set([7]));
    const commit = new GroupCommit(write, { ...options, writers: 1, maxItems: 64 });
    const results = Array.from({ length: 33 }, (_, index) => commit.write(index + 1).then((value) => ({ value }), (error: Error) => ({ error: error.message })));
    open();
    const settled = await Promise.all(results);
    expect(settled.filter((result) => 'error' in result)).toEqual([{ error: 'value overflows numeric format' }]);
    expect(settled[6]).toEqual({ error: 'value overflows numeric format' });
    expect(settled.filter((result) => 'value' in result)).toHaveLength(32);
    expect(groups.length).toBeLessThanOrEqual(1 + 1 + 2 * Math.ceil(Math.log2(32)));
  });

  it("fails every item of a group with an error that is not an item's (the database went away)", async () => {
    const commit = new GroupCommit<number, number>(async () => { throw new Error('Connection terminated'); }, options);
    const results = await Promise.allSettled([commit.write(1), commit.write(2), commit.write(3)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });
});
