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
    expect(bodies.take('7')).toBe(body('c'));
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
    expect(bodies.take('6')).toBe(x);
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
});
