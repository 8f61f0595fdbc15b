import { IncomingMessage, ServerResponse } from 'node:http';
import { json } from './simulator-handlers';

/**
 * A store of orders or shipments that remembers when each entry was last written, so that the
 * poll endpoints can play Tradecloud's search index: an update becomes visible to polls only
 * `indexLagMs` after it was written (the simulator's setting at the time of the poll). It is a
 * plain `Map` for everything else (`GET /order/{id}` sees a write at once, like Tradecloud).
 */
export class PollableStore extends Map<string, unknown> {
  /** Epoch ms of the last `set` per key. */
  private readonly writtenAt = new Map<string, number>();

  override set(key: string, value: unknown): this {
    // Map's constructor calls set before the field exists.
    this.writtenAt?.set(key, Date.now());
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.writtenAt.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.writtenAt.clear();
    super.clear();
  }

  /** When `key` was last written (epoch ms). */
  writtenAtOf(key: string): number {
    return this.writtenAt.get(key) ?? 0;
  }
}

/** Where an entity's `lastUpdatedAt` is: order root, or a shipment's `meta`. */
export type LastUpdatedAtOf = (entity: unknown) => string | undefined;

export const orderLastUpdatedAt: LastUpdatedAtOf = (entity) => {
  const value = (entity as { lastUpdatedAt?: unknown } | null)?.lastUpdatedAt;
  return typeof value === 'string' ? value : undefined;
};

export const shipmentLastUpdatedAt: LastUpdatedAtOf = (entity) => {
  const record = entity as { meta?: { lastUpdatedAt?: unknown }; lastUpdatedAt?: unknown } | null;
  const value = record?.meta?.lastUpdatedAt ?? record?.lastUpdatedAt;
  return typeof value === 'string' ? value : undefined;
};

/** The largest `limit` Tradecloud accepts on the poll endpoints. */
export const MAX_POLL_LIMIT = 100;

export interface PollSettings {
  indexLagMs: number;
  /** Replaces the answer body (to simulate a malformed response); undefined: normal answers. */
  malformedBody?: unknown;
}

/**
 * `POST /order-search/poll`, `/order-search/poll/single-delivery`, `/shipment/poll`:
 * body `{ filters: { lastUpdatedAfter }, offset, limit }` → `{ data, total, lastUpdatedAt }`.
 * Entities come sorted by `lastUpdatedAt` (then id), oldest first; `lastUpdatedAfter` is
 * exclusive; `lastUpdatedAt` of the answer is the newest `lastUpdatedAt` in `data` (the
 * filter's value again when `data` is empty).
 */
export function poll(store: PollableStore, lastUpdatedAtOf: LastUpdatedAtOf, body: unknown, settings: PollSettings, response: ServerResponse): void {
  if (settings.malformedBody !== undefined) return json(response, 200, settings.malformedBody);
  const request = (body && typeof body === 'object' ? body : {}) as { filters?: { lastUpdatedAfter?: unknown }; offset?: unknown; limit?: unknown };
  const after = request.filters?.lastUpdatedAfter;
  const afterMs = after === undefined || after === null ? -Infinity : typeof after === 'string' ? Date.parse(after) : NaN;
  if (Number.isNaN(afterMs)) return json(response, 400, { message: 'filters.lastUpdatedAfter must be an ISO 8601 instant' });
  const offset = request.offset ?? 0;
  const limit = request.limit ?? MAX_POLL_LIMIT;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return json(response, 400, { message: 'offset must be a non-negative integer' });
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_POLL_LIMIT) {
    return json(response, 400, { message: `limit must be an integer from 1 to ${MAX_POLL_LIMIT}` });
  }
  const visibleBefore = Date.now() - settings.indexLagMs;
  const matching: Array<{ key: string; at: number; text: string; entity: unknown }> = [];
  for (const [key, entity] of store) {
    const text = lastUpdatedAtOf(entity);
    const at = text === undefined ? NaN : Date.parse(text);
    if (Number.isNaN(at) || at <= afterMs) continue;
    if (store.writtenAtOf(key) > visibleBefore) continue; // not in the search index yet
    matching.push({ key, at, text: text!, entity });
  }
  matching.sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const page = matching.slice(offset, offset + limit);
  const newest = page.length ? page.reduce((max, entry) => (entry.at > max.at ? entry : max)).text : typeof after === 'string' ? after : undefined;
  json(response, 200, { data: page.map((entry) => entry.entity), total: matching.length, ...(newest ? { lastUpdatedAt: newest } : {}) });
}

/** Reads a JSON request body (poll requests are small). Undefined when it is not JSON. */
export function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    request.on('error', () => resolve(undefined));
  });
}
