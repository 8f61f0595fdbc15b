import { describe, expect, it } from 'vitest';
import { storedDatesAreReal } from './stored-line-sql';

/** A line whose every date is real, in each list `lineListsSql` reads. */
function line(): Record<string, unknown> {
  return {
    deliverySchedule: [{ date: '2025-01-31', etd: '2025-01-30', eta: '2025-01-31', quantity: 1 }],
    deliveryScheduleIncludingRequests: [{ date: '2024-02-29', quantity: 1 }],
    buyerLine: { deliverySchedule: [{ date: '2025-03-01' }], deliveryHistory: [{ date: '2000-02-29', quantity: 1 }] },
    confirmedLine: { deliverySchedule: [{ date: '2025-04-30', eta: '2025-05-01' }] },
  };
}

describe('storedDatesAreReal (whether SQL may cast the dates of a stored line without checking them)', () => {
  it('accepts a line whose date texts all name real days', () => {
    expect(storedDatesAreReal(line())).toBe(true);
  });

  it.each([
    ['deliverySchedule[0].date', (l: any) => (l.deliverySchedule[0].date = '2025-02-29')],
    ['deliverySchedule[0].etd', (l: any) => (l.deliverySchedule[0].etd = '2025-1-30')],
    ['deliverySchedule[0].eta', (l: any) => (l.deliverySchedule[0].eta = '2025-01-31 ')],
    ['deliveryScheduleIncludingRequests[0].date', (l: any) => (l.deliveryScheduleIncludingRequests[0].date = '0000-01-01')],
    ['buyerLine.deliverySchedule[0].date', (l: any) => (l.buyerLine.deliverySchedule[0].date = '2025-04-31')],
    ['buyerLine.deliveryHistory[0].date', (l: any) => (l.buyerLine.deliveryHistory[0].date = '1900-02-29')],
    ['confirmedLine.deliverySchedule[0].eta', (l: any) => (l.confirmedLine.deliverySchedule[0].eta = 'tomorrow')],
  ])('refuses a line with an impossible %s', (_path, spoil) => {
    const spoiled = line();
    spoil(spoiled);
    expect(storedDatesAreReal(spoiled)).toBe(false);
  });

  it('ignores what SQL reads as null anyway: values that are not text, entries that are not objects, lists that are not arrays', () => {
    const lenient = line();
    (lenient.deliverySchedule as unknown[]).push({ date: 20250101, etd: null, eta: { day: 1 } }, 'x', 5, null, ['2025-02-30']);
    (lenient.buyerLine as Record<string, unknown>).deliveryHistory = 'not a list';
    lenient.confirmedLine = [{ deliverySchedule: [{ date: '2025-02-30' }] }];
    expect(storedDatesAreReal(lenient)).toBe(true);
  });

  it('does not read fields that are not dates', () => {
    const other = line();
    (other.deliverySchedule as Array<Record<string, unknown>>)[0].status = '2025-02-30';
    (other.buyerLine as Record<string, unknown>).deliveryHistory = [{ date: '2025-01-01', position: '2025-02-30' }];
    expect(storedDatesAreReal(other)).toBe(true);
  });
});
