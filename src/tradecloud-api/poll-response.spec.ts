import { describe, expect, it } from 'vitest';
import { parseExact } from '../changes/lossless-json';
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

  it('refuses a number in data however it is written (the exact parse makes 3 a number and 3.0 a LosslessNumber)', () => {
    for (const text of ['{"data":[3],"total":1}', '{"data":[3.0],"total":1}']) {
      expect(() => readPollPage('order.poll', parseExact(text))).toThrow(/"data\[0\]" that is not an object/);
    }
  });
});
