import { describe, expect, it } from 'vitest';
import { parseExact } from '../changes/lossless-json';
import { sameDeliveryRows } from './order-line-diff';
import { OrderSnapshotMapper } from './order-snapshot.mapper';

const mapper = new OrderSnapshotMapper();
const line = (json: string) => parseExact(json) as Record<string, unknown>;

const BASE = {
  id: 'l1',
  lastUpdatedAt: '2025-07-01T08:00:00Z',
  status: { processStatus: 'Confirmed' },
  deliverySchedule: [{ position: '1', date: '2025-08-01', quantity: 92, status: 'Open' }],
  buyerLine: { position: '0010', deliverySchedule: [{ position: '1', date: '2025-08-01', quantity: 92 }], deliveryHistory: [{ date: '2025-07-20', quantity: 1 }] },
  confirmedLine: { deliverySchedule: [{ position: '1', date: '2025-08-02', quantity: 92 }] },
};

describe('sameDeliveryRows', () => {
  const stored = line(JSON.stringify(BASE));
  const next = (edit: (copy: typeof BASE) => void, text = (json: string) => json) => {
    const copy = structuredClone(BASE);
    edit(copy);
    return mapper.mapLine(line(text(JSON.stringify(copy))));
  };

  it('keeps the rows of a version that changes only what the rows leave out (status, prices), whatever its key order', () => {
    expect(sameDeliveryRows(stored, next((copy) => (copy.status.processStatus = 'Completed')))).toBe(true);
    expect(sameDeliveryRows(stored, next((copy) => (copy.deliverySchedule = [{ status: 'Open', quantity: 92, date: '2025-08-01', position: '1' }])))).toBe(true);
  });

  it('replaces them when any of the five lists changes, a number’s spelling included', () => {
    expect(sameDeliveryRows(stored, next(() => undefined, (json) => json.replace('"quantity":92,"status"', '"quantity":92.0,"status"')))).toBe(false);
    expect(sameDeliveryRows(stored, next((copy) => (copy.deliverySchedule[0].date = '2025-08-03')))).toBe(false);
    expect(sameDeliveryRows(stored, next((copy) => (copy.buyerLine.deliverySchedule[0].quantity = 93)))).toBe(false);
    expect(sameDeliveryRows(stored, next((copy) => (copy.confirmedLine.deliverySchedule = [])))).toBe(false);
    expect(sameDeliveryRows(stored, next((copy) => copy.buyerLine.deliveryHistory.push({ date: '2025-07-21', quantity: 2 })))).toBe(false);
  });

  it('compares a single-delivery line with a schedule line through the rows both map to', () => {
    const single = line(
      JSON.stringify({
        id: 'l1',
        lastUpdatedAt: '2025-07-01T08:00:00Z',
        statusLine: { scheduledDelivery: { date: '2025-08-01', quantity: 92 } },
        buyerLine: { position: '0010', scheduledDelivery: { date: '2025-08-01', quantity: 92 } },
      }),
    );
    const asRows = mapper.mapLine(single);
    expect(sameDeliveryRows(single, asRows)).toBe(true);
    expect(sameDeliveryRows(stored, asRows)).toBe(false);
  });
});
