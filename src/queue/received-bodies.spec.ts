import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReceivedBodies } from './received-bodies';

describe('ReceivedBodies', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps nothing until the workers of the instance enable it', () => {
    const bodies = new ReceivedBodies();
    bodies.keep('1', '{}');
    expect(bodies.ids()).toEqual([]);
    bodies.enable();
    bodies.keep('2', '{"a":1}');
    expect(bodies.ids()).toEqual(['2']);
  });

  it('gives each body out once', () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    bodies.keep('7', '{"a":1}');
    expect(bodies.take('7')).toBe('{"a":1}');
    expect(bodies.take('7')).toBeUndefined();
    expect(bodies.size).toBe(0);
  });

  it('drops the oldest bodies beyond 1,024, and bodies older than 10 s', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const bodies = new ReceivedBodies();
    bodies.enable();
    for (let i = 0; i < 1_030; i++) bodies.keep(String(i), 'x');
    expect(bodies.size).toBe(1_024);
    expect(bodies.take('5')).toBeUndefined();
    expect(bodies.take('6')).toBe('x');
    vi.advanceTimersByTime(9_000);
    bodies.keep('late', 'y');
    vi.advanceTimersByTime(2_000);
    expect(bodies.ids()).toEqual(['late']);
  });

  it('drops the oldest bodies beyond 64 M characters, and never keeps a larger one', () => {
    const bodies = new ReceivedBodies();
    bodies.enable();
    const large = 'x'.repeat(30 * 1024 * 1024);
    bodies.keep('a', large);
    bodies.keep('b', large);
    bodies.keep('c', large);
    expect(bodies.ids()).toEqual(['b', 'c']);
    bodies.keep('d', 'y'.repeat(65 * 1024 * 1024));
    expect(bodies.ids()).toEqual(['b', 'c']);
  });
});
