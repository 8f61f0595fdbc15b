import { TradecloudApiEndpoint, TradecloudApiError } from './tradecloud-api.error';

/** The largest `limit` Tradecloud's poll endpoints accept. */
export const MAX_POLL_LIMIT = 100;

/** Which poll endpoint: orders in delivery-schedule or single-delivery shape, or shipments. */
export type PollKind = 'orders' | 'orders-single-delivery' | 'shipments';

export interface TradecloudPollRequest {
  /** Exclusive lower bound on `lastUpdatedAt`, as Tradecloud returned it (an ISO instant). Omitted: everything. */
  lastUpdatedAfter?: string;
  /** Default 0. */
  offset?: number;
  /** At most 100 (default). */
  limit?: number;
}

export interface TradecloudPollPage {
  /** Orders (with `id`, like GET order) or shipments, in full. */
  data: unknown[];
  /** How many entities match the filter in all. */
  total: number;
  /** Tradecloud's cursor for the next poll, when it sent one. */
  lastUpdatedAt?: string;
  /** The JSON text of each `data` entity exactly as sent (same order), when the answer let it be cut out plainly. */
  texts?: string[];
}

export function pollPath(kind: PollKind): { endpoint: TradecloudApiEndpoint; path: string } {
  switch (kind) {
    case 'orders':
      return { endpoint: 'order.poll', path: '/order-search/poll' };
    case 'orders-single-delivery':
      return { endpoint: 'order.poll-single-delivery', path: '/order-search/poll/single-delivery' };
    case 'shipments':
      return { endpoint: 'shipment.poll', path: '/shipment/poll' };
  }
}

/**
 * Checks the shape a poll answer must have. A wrong shape is not transient (retrying the same
 * request gives the same answer): the pass fails with the field named and keeps its cursor.
 */
export function readPollPage(endpoint: TradecloudApiEndpoint, answer: unknown): TradecloudPollPage {
  const invalid = (problem: string) =>
    new TradecloudApiError(`Tradecloud ${endpoint}: the poll answer ${problem}`, { endpoint, code: 'invalid_response', transient: false });
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) throw invalid('is not a JSON object');
  const record = answer as Record<string, unknown>;
  if (!Array.isArray(record.data)) throw invalid('has no "data" array');
  // Exact numbers arrive as lossless values; a plain number or a numeric lossless value both count.
  const total = typeof record.total === 'number' ? record.total : isLosslessNumber(record.total) ? Number(String(record.total)) : NaN;
  if (!Number.isFinite(total) || total < 0) throw invalid('has no number "total"');
  const lastUpdatedAt = record.lastUpdatedAt;
  if (lastUpdatedAt !== undefined && lastUpdatedAt !== null && (typeof lastUpdatedAt !== 'string' || Number.isNaN(Date.parse(lastUpdatedAt)))) {
    throw invalid('has a "lastUpdatedAt" that is not an ISO instant');
  }
  for (const [index, entity] of record.data.entries()) {
    if (!entity || typeof entity !== 'object' || Array.isArray(entity) || isLosslessNumber(entity)) throw invalid(`has a "data[${index}]" that is not an object`);
  }
  return { data: record.data, total, lastUpdatedAt: typeof lastUpdatedAt === 'string' ? lastUpdatedAt : undefined };
}

function isLosslessNumber(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { isLosslessNumber?: unknown }).isLosslessNumber === true;
}
