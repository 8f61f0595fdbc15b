import { vi } from 'vitest';
import { WAIT_INTERVAL_MS, WAIT_TIMEOUT_MS } from './wait-defaults.cjs';

export { WAIT_INTERVAL_MS, WAIT_TIMEOUT_MS };

/**
 * The suite's one polling helper: `vi.waitFor` with the suite's default timeout
 * (test/support/wait-defaults.cjs). The callback is retried until it returns without throwing,
 * so put the `expect`s in it; its value is returned. Where the signal is a single value,
 * `expect.poll(() => value).toEqual(…)` does the same (vitest.config.mts gives it the same default).
 * Tests never sleep to show that something did not happen: they wait for a positive signal that
 * proves it (the event is processed, a counter moved, a later log line is written).
 */
export function waitFor<T>(callback: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}): Promise<T> {
  return vi.waitFor(callback, { timeout: options.timeout ?? WAIT_TIMEOUT_MS, interval: options.interval ?? WAIT_INTERVAL_MS });
}
