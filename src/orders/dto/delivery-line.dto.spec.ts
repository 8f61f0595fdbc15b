import { describe, expect, it } from 'vitest';
import { isLocalDate } from './delivery-line.dto';

/** What the calendar says, by way of Date (the check itself avoids a Date per value). */
function exists(year: number, month: number, day: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('isLocalDate', () => {
  it('agrees with the calendar on every day number 0–32 of every month 0–13 of leap, century and edge years', () => {
    for (const year of [0, 1, 4, 100, 400, 1900, 2000, 2023, 2024, 2025, 2100, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          expect(isLocalDate(text), text).toBe(exists(year, month, day));
        }
      }
    }
  });

  it('takes only yyyy-MM-dd strings', () => {
    expect(isLocalDate('2025-02-28')).toBe(true);
    expect(isLocalDate('2024-02-29')).toBe(true);
    for (const value of ['2025-02-29', '1900-02-29', '2025-2-28', '2025-02-28T00:00:00Z', ' 2025-02-28', '20250228', '', null, 20250228, {},
      '2025/02/28', '2025-02-2a', '+025-02-28', '2025-0.-28', '２０２５-02-28', '2025-02-28\n', '2025-02-2 ', '-025-02-28']) {
      expect(isLocalDate(value), String(value)).toBe(false);
    }
  });
});
