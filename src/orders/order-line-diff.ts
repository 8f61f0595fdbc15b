import { isLosslessNumber, LosslessNumber } from 'lossless-json';
import { jsonDiff } from '../changes/json-diff';
import { DeliveryHistoryRow, DeliveryLineRow, isSingleDeliveryLine, obj, OrderLineRow, OrderSnapshotMapper } from './order-snapshot.mapper';

/** Fields that change on every version and are already columns of the change row. */
const DIFF_IGNORED = ['lastUpdatedAt', 'meta'];

/**
 * Where the two webhook modes put the same values differently (REFERENCE §c.1, §c.2). When a
 * line arrives in the other shape than the one stored (a GET order after single-delivery
 * events), these are compared through the columns they map to, so the diff records changed
 * values and not the change of shape.
 */
const MODE_SPECIFIC = ['statusLine', 'deliverySchedule', 'deliveryScheduleIncludingRequests', 'prices', 'pricesIncludingRequests'];
const lineMapper = new OrderSnapshotMapper();

/**
 * The diff of a line version against the stored one. Same shape: leaf by leaf. Different shapes
 * (delivery schedule versus single delivery): the shared fields leaf by leaf, and the values the
 * two shapes hold in different places through the columns they map to (`columns.net_price`,
 * `schedules.current[0].date`, …).
 */
export function lineDiff(previous: Record<string, unknown>, next: OrderLineRow): ReturnType<typeof jsonDiff> {
  if (isSingleDeliveryLine(previous) === isSingleDeliveryLine(next.line)) return jsonDiff(previous, next.line, DIFF_IGNORED);
  const shared = (line: Record<string, unknown>) => {
    const copy: Record<string, unknown> = { ...line };
    for (const key of MODE_SPECIFIC) delete copy[key];
    if (line.buyerLine && typeof line.buyerLine === 'object') {
      const buyerLine: Record<string, unknown> = { ...(line.buyerLine as Record<string, unknown>) };
      for (const key of ['scheduledDelivery', 'actualDelivery']) delete buyerLine[key];
      copy.buyerLine = buyerLine;
    }
    return copy;
  };
  return { ...jsonDiff(shared(previous), shared(next.line), DIFF_IGNORED), ...jsonDiff(normalised(lineMapper.mapLine(previous)), normalised(next)) };
}

/** The values of a line both shapes carry, as the columns and schedules they are stored in. */
function normalised(row: OrderLineRow): Record<string, unknown> {
  const { line, deliveryLines, deliveryHistory, lastUpdatedAt, ...columns } = row;
  void line;
  void lastUpdatedAt;
  const schedules: Record<string, unknown[]> = {};
  for (const entry of deliveryLines) {
    // Single-delivery entries have no position: compare what both shapes have.
    (schedules[entry.schedule] ??= []).push({ date: entry.date, quantity: entry.quantity, status: entry.status });
  }
  return { columns, schedules, history: deliveryHistory.map((entry) => ({ date: entry.date, quantity: entry.quantity })) };
}

/**
 * Whether a line version gives exactly the schedule and delivery-history rows the previous one
 * gave (the rows the mapper makes of each, compared field by field as text: `92.0` and `92` differ
 * here, though the diff calls them equal). Then those rows need not be replaced: most order
 * events change a line's status or prices, not its dates and quantities, and the schedules are
 * most of what a line writes (a dozen rows, their indexes and foreign-key checks).
 */
export function sameDeliveryRows(previous: Record<string, unknown>, next: OrderLineRow): boolean {
  // Two delivery-schedule lines: their rows are made of these five lists alone, so the same lists
  // (to the digit) give the same rows, without mapping the stored line again (which cost twice
  // the diff). Lists that differ only in what the rows leave out are taken as different: their
  // rows are written again, the same rows.
  if (!isSingleDeliveryLine(previous) && !isSingleDeliveryLine(next.line)) {
    return SCHEDULE_LISTS.every((list) => sameJson(list(previous), list(next.line)));
  }
  const before = lineMapper.mapLine(previous);
  return sameRows(before.deliveryLines, next.deliveryLines) && sameRows(before.deliveryHistory, next.deliveryHistory);
}

function sameRows<Row extends DeliveryLineRow | DeliveryHistoryRow>(a: Row[], b: Row[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const left = a[i] as unknown as Record<string, unknown>;
    const right = b[i] as unknown as Record<string, unknown>;
    for (const key of Object.keys(left)) if (left[key] !== right[key]) return false;
  }
  return true;
}

/** What a delivery-schedule line's rows are made of, read as `OrderSnapshotMapper.scheduleLine` reads them. */
const SCHEDULE_LISTS: ReadonlyArray<(line: Record<string, unknown>) => unknown> = [
  (line) => line.deliverySchedule,
  (line) => line.deliveryScheduleIncludingRequests,
  (line) => obj(line.buyerLine).deliverySchedule,
  (line) => obj(line.confirmedLine).deliverySchedule,
  (line) => obj(line.buyerLine).deliveryHistory,
];

/** Exactly the same JSON: numbers by their text (`92.0` is not `92`), objects by their own keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (isLosslessNumber(a) || isLosslessNumber(b)) return isLosslessNumber(a) && isLosslessNumber(b) && (a as LosslessNumber).value === (b as LosslessNumber).value;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) if (!Object.prototype.hasOwnProperty.call(right, key) || !sameJson(left[key], right[key])) return false;
  return true;
}
