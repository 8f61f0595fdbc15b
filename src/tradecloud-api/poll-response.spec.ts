import { describe, expect, it } from 'vitest';
import { readPollPage } from './poll-response';

describe('readPollPage', () => {
  it('accepts { data, total, lastUpdatedAt }', () => {
    expect(readPollPage('order.poll', { data: [{ id: 'a' }], total: 1, lastUpdatedAt: '2025-01-01T00:00:00Z' })).toEqual({
      data: [{ id: 'a' }],
      total: 1,
      lastUpdatedAt: '2025-01-01T00:00:00Z',
    });
  });

  it('names the field of a malformed answer', () => {
    expect(() => readPollPage('order.poll', { total: 1 })).toThrow(/"data" array/);
    expect(() => readPollPage('order.poll', { data: {}, total: 1 })).toThrow(/"data" array/);
    expect(() => readPollPage('shipment.poll', { data: [], total: '1' })).toThrow(/"total"/);
    expect(() => readPollPage('shipment.poll', { data: [], total: 0, lastUpdatedAt: 'yesterday' })).toThrow(/"lastUpdatedAt"/);
    expect(() => readPollPage('shipment.poll', { data: [3], total: 1 })).toThrow(/"data\[0\]"/);
  });
});
