import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../standalone/environment';
import { parseDuration, readReconcileEnvironment, resolveReconcileOptions } from './reconcile-options';

describe('reconcile options', () => {
  it('parses off and durations', () => {
    expect(parseDuration('off')).toBeNull();
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('fast')).toBeUndefined();
    expect(parseDuration('-5s')).toBeUndefined();
  });

  it('defaults to 15 minutes with API credentials and off without', () => {
    expect(resolveReconcileOptions(undefined, true, []).intervalMs).toBe(900_000);
    expect(resolveReconcileOptions(undefined, false, []).intervalMs).toBeUndefined();
    expect(resolveReconcileOptions({ interval: 'off' }, true, []).intervalMs).toBeUndefined();
    expect(resolveReconcileOptions(undefined, true, [])).toMatchObject({ overlapMs: 300_000, orders: true, shipments: true, ordersEndpoint: 'delivery-schedule' });
  });

  it('refuses an interval below 5 s, an interval without API, and a wrong endpoint, naming the option', () => {
    const problems: string[] = [];
    resolveReconcileOptions({ interval: '2s' }, true, problems);
    resolveReconcileOptions({ interval: '1m' }, false, problems);
    resolveReconcileOptions({ ordersEndpoint: 'weekly' as never }, true, problems);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('"reconcile.interval"');
    expect(problems[1]).toContain('tradecloudApi');
    expect(problems[2]).toContain('"reconcile.ordersEndpoint"');
  });

  it('reads the standalone variables', () => {
    const problems: string[] = [];
    expect(readReconcileEnvironment({ TRADECLOUD_RECONCILE_INTERVAL: '30s', TRADECLOUD_RECONCILE_OVERLAP: '2m', TRADECLOUD_POLL_ORDERS: 'single-delivery' }, problems)).toEqual({
      interval: '30s',
      overlap: '2m',
      ordersEndpoint: 'single-delivery',
    });
    expect(problems).toEqual([]);
    readReconcileEnvironment({ TRADECLOUD_RECONCILE_INTERVAL: '1s', TRADECLOUD_POLL_ORDERS: 'both' }, problems);
    expect(problems.join('\n')).toContain('TRADECLOUD_RECONCILE_INTERVAL');
    expect(problems.join('\n')).toContain('TRADECLOUD_POLL_ORDERS');
  });

  it('names TRADECLOUD_RECONCILE_INTERVAL when it is set without API credentials, and accepts off', () => {
    expect(() => readEnvironment({ TRADECLOUD_RECONCILE_INTERVAL: '15m' }, '/tmp')).toThrow(/TRADECLOUD_RECONCILE_INTERVAL needs TRADECLOUD_API_USERNAME/);
    expect(readEnvironment({ TRADECLOUD_RECONCILE_INTERVAL: 'off' }, '/tmp').reconcile).toEqual({ interval: 'off' });
  });
});
