import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReceivedBodies } from './received-bodies';

/** Bodies as large as the smallest one kept (256 K characters), and larger. */
const body = (fill: string, kb = 256) => fill.repeat(kb * 1024);

describe('ReceivedBodies', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps nothing until the workers of the instance enable it', () => {
    const bodies = new ReceivedBodies();
    bodies.keep('1', body('a'));
    expect(bodies.ids()).toEqual([]);
    bodies.enable();
    bodies.keep('2', body('b'));
    expect(bodies.ids()).toEqual(['2']);
  });

  it('keeps no small body: reading one back is cheaper than keeping it', () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    bodies.keep('1', '{"a":1}');
    bodies.keep('2', body('a').slice(1));
    expect(bodies.ids()).toEqual([]);
  });

  it('gives each body out once', () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    bodies.keep('7', body('c'));
    expect(bodies.take('7')?.text).toBe(body('c'));
    expect(bodies.take('7')).toBeUndefined();
    expect(bodies.size).toBe(0);
  });

  it('drops the oldest bodies beyond 64, and bodies older than 5 s', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const bodies = new ReceivedBodies();
    bodies.enable();
    const x = body('x');
    for (let i = 0; i < 70; i++) bodies.keep(String(i), x);
    expect(bodies.size).toBe(64);
    expect(bodies.take('5')).toBeUndefined();
    expect(bodies.take('6')?.text).toBe(x);
    vi.advanceTimersByTime(4_000);
    bodies.keep('late', body('y'));
    vi.advanceTimersByTime(2_000);
    expect(bodies.ids()).toEqual(['late']);
  });

  it('drops the oldest bodies beyond 64 M characters, and never keeps a larger one', () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    const large = body('x', 30 * 1024);
    bodies.keep('a', large);
    bodies.keep('b', large);
    bodies.keep('c', large);
    expect(bodies.ids()).toEqual(['b', 'c']);
    bodies.keep('d', body('y', 65 * 1024));
    expect(bodies.ids()).toEqual(['b', 'c']);
  });

  it('parses a body ahead once intake asks, and hands the tree to the claim', async () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    const text = JSON.stringify({ pad: body('p'), quantity: 0 }).replace('"quantity":0', '"quantity":12345678901234.56789');
    const received = bodies.receive(text)!;
    received.parseSoon();
    bodies.keep('9', received);
    const taken = bodies.take('9')!;
    await new Promise((resolve) => setImmediate(resolve));
    const first = taken.parse();
    expect(taken.parse()).toBe(first); // parsed once: the tree of the parse ahead
    expect(String(first.quantity)).toBe('12345678901234.56789');
  });

  it("makes the exact tree from validation's JSON.parse tree when intake hands it over, refusing what parseExact refuses", async () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    const text = JSON.stringify({ pad: body('v'), quantity: 0 }).replace('"quantity":0', '"quantity":12345678901234.56789');
    const validated = JSON.parse(text) as Record<string, unknown>;
    const received = bodies.receive(text, validated)!;
    received.parseSoon();
    await new Promise((resolve) => setImmediate(resolve));
    const tree = received.parse();
    expect(tree).toBe(validated); // filled in place, not parsed again
    expect(String(tree.quantity)).toBe('12345678901234.56789');

    // A tree counts against the budget of trees held at once from the moment it is handed over
    // (before its INSERT is even sent): a second large body over the budget does not keep its tree.
    const second = JSON.stringify({ pad: body('w', 16 * 1024) });
    const secondTree = JSON.parse(second) as Record<string, unknown>;
    const overBudget = bodies.receive(second, secondTree)!;
    const rest = 16 * 1024 * 1024 - text.length;
    expect(bodies.reserveParse(rest + 1)).toBe(false); // the first tree is counted
    expect(bodies.reserveParse(rest)).toBe(true); // the second took no share
    bodies.releaseParse(rest);
    expect(overBudget.parse()).not.toBe(secondTree);
    expect(overBudget.parse()).toEqual(secondTree);

    const repeated = `{"a":1,"a":2,"pad":"${body('r')}"}`;
    const refused = bodies.receive(repeated, JSON.parse(repeated))!;
    expect(() => refused.parse()).toThrow();
  });

  it('parses one large body ahead at a time: another is parsed when its claim asks', async () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    const large = (fill: string) => JSON.stringify({ pad: body(fill, 9 * 1024) });
    const first = bodies.receive(large('a'))!;
    const second = bodies.receive(large('b'))!;
    first.parseSoon();
    second.parseSoon(); // over the budget: not parsed ahead
    await new Promise((resolve) => setImmediate(resolve));
    expect(bodies.reserveParse(1)).toBe(true); // budget left beyond the first body
    bodies.releaseParse(1);
    expect(bodies.reserveParse(8 * 1024 * 1024)).toBe(false);
    first.release();
    expect(bodies.reserveParse(8 * 1024 * 1024)).toBe(true);
    bodies.releaseParse(8 * 1024 * 1024);
    expect(second.parse().pad).toBe(body('b', 9 * 1024));
  });

  it('refuses a body parseExact refuses each time it is asked (the claim reads the stored jsonb)', async () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    const received = bodies.receive(`{"a":1,"a":2,"pad":"${body('r')}"}`)!;
    received.parseSoon();
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => received.parse()).toThrow();
    expect(() => received.parse()).toThrow();
  });
});
