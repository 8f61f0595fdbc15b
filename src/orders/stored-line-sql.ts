import { isLocalDate } from './dto/delivery-line.dto';

/**
 * SQL expressions that read a delivery-schedule line of a stored event body (jsonb) the way
 * `OrderSnapshotMapper` reads the parsed body, so that PostgreSQL can write a large order's
 * schedules and delivery history from `webhook_events.body` with exactly the rows the mapper
 * would have produced (`order-line-writes.ts`; `test/orders/stored-line-writes.e2e-spec.ts`
 * compares both on edge cases). Each function takes the SQL of a jsonb value (an entry object).
 */

/** `textValue(entry.field)`: the string, else null (numbers, objects, a missing field). */
export function textSql(entry: string, field: string): string {
  return `CASE WHEN jsonb_typeof(${entry} -> '${field}') = 'string' THEN ${entry} ->> '${field}' END`;
}

/** `decimalText(entry.field)` as a numeric column: the exact number (jsonb keeps its digits and scale), else null. */
export function numberSql(entry: string, field: string): string {
  return `CASE WHEN jsonb_typeof(${entry} -> '${field}') = 'number' THEN (${entry} -> '${field}')::numeric END`;
}

/**
 * A `yyyy-MM-dd` text naming a real day of a year from 1 to 9999, as `isLocalDate` decides it:
 * months of 31, 30 and 28 days, and 29 February in leap years (divisible by 4 and not by 100, or
 * by 400). One regular expression, so that a 60,000-row schedule is checked in one match per value.
 */
export const LOCAL_DATE_PATTERN =
  '^(?:(?!0000)[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))' +
  '|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$';

/**
 * `localDate(entry.field)`: a string naming a real day becomes a date, anything else null (never a
 * failing cast). `checked`: every date text of the lines written is known to name a real day
 * ({@link storedDatesAreReal}), so the cast needs no pattern match. PostgreSQL's regular
 * expressions cost about 1.7 µs per value, nine times the cast: a backfill of 10,000 orders
 * checks about a million dates, which was a tenth of the database's CPU time.
 */
export function localDateSql(entry: string, field: string, checked = false): string {
  const real = checked ? '' : ` AND ${entry} ->> '${field}' ~ '${LOCAL_DATE_PATTERN}'`;
  return `CASE WHEN jsonb_typeof(${entry} -> '${field}') = 'string'${real} THEN (${entry} ->> '${field}')::date END`;
}

/**
 * Whether every date text that {@link lineListsSql} reads from this line (`date`, `etd` and `eta`
 * of the four schedules' entries, `date` of the delivery history's) names a real day, as
 * `isLocalDate` decides it. Values that are not strings do not count: SQL reads them as null
 * without a cast. The schedules are validated at intake, but the delivery history is an echo that
 * is not, and an impossible date there must become null, not a failing statement.
 */
export function storedDatesAreReal(line: Record<string, unknown>): boolean {
  const buyerLine = objectOf(line.buyerLine);
  const confirmedLine = objectOf(line.confirmedLine);
  return (
    entriesAreReal(line.deliverySchedule, SCHEDULE_DATES) &&
    entriesAreReal(line.deliveryScheduleIncludingRequests, SCHEDULE_DATES) &&
    entriesAreReal(buyerLine?.deliverySchedule, SCHEDULE_DATES) &&
    entriesAreReal(confirmedLine?.deliverySchedule, SCHEDULE_DATES) &&
    entriesAreReal(buyerLine?.deliveryHistory, HISTORY_DATES)
  );
}

const SCHEDULE_DATES = ['date', 'etd', 'eta'] as const;
const HISTORY_DATES = ['date'] as const;

function entriesAreReal(list: unknown, fields: readonly string[]): boolean {
  if (!Array.isArray(list)) return true;
  for (const entry of list) {
    const object = objectOf(entry);
    if (!object) continue;
    for (const field of fields) {
      const value = object[field];
      if (typeof value === 'string' && !isLocalDate(value)) return false;
    }
  }
  return true;
}

/** The value as an object, as SQL's `->` reads one (an array or a scalar has no fields). */
function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The lists of one line that become rows, as the mapper's `scheduleLine` takes them: the four
 * schedules (`delivery_lines.schedule`) and the delivery history. A list that is not an array
 * gives no rows; `->` on a value that is not an object gives null, as `obj()` gives `{}`.
 */
export function lineListsSql(line: string): string {
  return `(VALUES ('current', ${line} -> 'deliverySchedule'),
                  ('current_incl_requests', ${line} -> 'deliveryScheduleIncludingRequests'),
                  ('requested', ${line} -> 'buyerLine' -> 'deliverySchedule'),
                  ('confirmed', ${line} -> 'confirmedLine' -> 'deliverySchedule'),
                  ('history', ${line} -> 'buyerLine' -> 'deliveryHistory'))`;
}

/** The entries of a list (`jsonb_array_elements`), none when the value is not an array. */
export function entriesOfSql(list: string): string {
  return `jsonb_array_elements(CASE jsonb_typeof(${list}) WHEN 'array' THEN ${list} ELSE '[]'::jsonb END)`;
}
