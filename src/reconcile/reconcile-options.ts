/**
 * Backfill and periodic reconciliation through Tradecloud's polling API (`POST
 * /order-search/poll`, `/shipment/poll`): what webhooks never delivered (before the receiver
 * existed, or refused with a 4xx) is fetched and applied like a GET webhook's entity.
 */
export interface TradecloudReconcileOptions {
  /**
   * How often a reconciliation pass runs: `'off'`, or a duration such as `'30s'`, `'15m'`, `'1h'`
   * (or milliseconds as a number); at least 5 s. However many instances share the database, one
   * of them runs each pass. Default `'15m'` when the Tradecloud API is configured (`tradecloudApi`),
   * `'off'` otherwise.
   */
  interval?: string | number;
  /**
   * How far before the stored cursor each pass starts polling, to catch updates Tradecloud's
   * search index showed late. Same formats as `interval` (e.g. `'5m'`). Default `'5m'`.
   */
  overlap?: string | number;
  /** Reconcile orders. Default `true`. */
  orders?: boolean;
  /** Reconcile shipments. Default `true`. */
  shipments?: boolean;
  /**
   * Which order poll endpoint to use: `'delivery-schedule'` (`/order-search/poll`) or
   * `'single-delivery'` (`/order-search/poll/single-delivery`, for companies whose order webhooks
   * use `singleDeliveryPerOrderLine`). Default `'delivery-schedule'`.
   */
  ordersEndpoint?: 'delivery-schedule' | 'single-delivery';
  /**
   * Transactions applying polled entities at the same time: a page is applied in chunks (one
   * transaction each), and the next page's chunks start while a page's last ones finish. Default `4`.
   */
  concurrency?: number;
}

export interface ResolvedReconcileOptions {
  /** Milliseconds between passes, or `undefined` when off. */
  intervalMs?: number;
  overlapMs: number;
  orders: boolean;
  shipments: boolean;
  ordersEndpoint: 'delivery-schedule' | 'single-delivery';
  concurrency: number;
}

export const RECONCILE_DEFAULTS = {
  intervalMs: 15 * 60_000,
  overlapMs: 5 * 60_000,
  concurrency: 4,
} as const;

export const MIN_RECONCILE_INTERVAL_MS = 5_000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `'30s'`, `'15m'`, `'1h'`, `'500ms'` or a number of milliseconds → milliseconds; `'off'` → null; otherwise undefined (invalid). */
export function parseDuration(value: string | number): number | null | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const text = value.trim().toLowerCase();
  if (text === 'off' || text === 'false' || text === '0') return null;
  const match = /^(\d+)\s*(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function resolveReconcileOptions(options: TradecloudReconcileOptions | undefined, apiConfigured: boolean, problems: string[]): ResolvedReconcileOptions {
  const given = options ?? {};
  let intervalMs: number | undefined = apiConfigured ? RECONCILE_DEFAULTS.intervalMs : undefined;
  if (given.interval !== undefined) {
    const parsed = parseDuration(given.interval);
    if (parsed === undefined || (parsed !== null && parsed < MIN_RECONCILE_INTERVAL_MS)) {
      problems.push(`"reconcile.interval" must be "off" or a duration of at least 5s such as "30s", "15m", "1h", got ${JSON.stringify(given.interval)}`);
    } else {
      intervalMs = parsed ?? undefined;
    }
  }
  if (intervalMs !== undefined && !apiConfigured && given.interval !== undefined) {
    problems.push('"reconcile.interval" needs the Tradecloud API ("tradecloudApi.baseUrl", username and password)');
  }
  let overlapMs: number = RECONCILE_DEFAULTS.overlapMs;
  if (given.overlap !== undefined) {
    const parsed = parseDuration(given.overlap);
    if (parsed === undefined || parsed === null || parsed > 24 * 3_600_000) {
      problems.push(`"reconcile.overlap" must be a duration from 0s to 24h such as "5m", got ${JSON.stringify(given.overlap)}`);
    } else {
      overlapMs = parsed;
    }
  }
  for (const name of ['orders', 'shipments'] as const) {
    if (given[name] !== undefined && typeof given[name] !== 'boolean') problems.push(`"reconcile.${name}" must be true or false`);
  }
  const ordersEndpoint = given.ordersEndpoint ?? 'delivery-schedule';
  if (ordersEndpoint !== 'delivery-schedule' && ordersEndpoint !== 'single-delivery') {
    problems.push(`"reconcile.ordersEndpoint" must be "delivery-schedule" or "single-delivery", got ${JSON.stringify(ordersEndpoint)}`);
  }
  let concurrency: number = RECONCILE_DEFAULTS.concurrency;
  if (given.concurrency !== undefined) {
    if (!Number.isInteger(given.concurrency) || given.concurrency < 1 || given.concurrency > 32) problems.push(`"reconcile.concurrency" must be an integer from 1 to 32, got ${String(given.concurrency)}`);
    else concurrency = given.concurrency;
  }
  return { intervalMs, overlapMs, orders: given.orders !== false, shipments: given.shipments !== false, ordersEndpoint, concurrency };
}

type Env = Record<string, string | undefined>;

/**
 * The standalone service's variables: `TRADECLOUD_RECONCILE_INTERVAL` (`off`, `30s`, `15m`, `1h`;
 * default `15m` with API credentials, `off` without), `TRADECLOUD_RECONCILE_OVERLAP` (default
 * `5m`) and `TRADECLOUD_POLL_ORDERS` (`delivery-schedule` or `single-delivery`).
 */
export function readReconcileEnvironment(env: Env, problems: string[]): TradecloudReconcileOptions {
  const read = (key: string) => (env[key]?.trim() ? env[key]!.trim() : undefined);
  const options: TradecloudReconcileOptions = {};
  const interval = read('TRADECLOUD_RECONCILE_INTERVAL');
  if (interval !== undefined) {
    const parsed = parseDuration(interval);
    if (parsed === undefined || (parsed !== null && parsed < MIN_RECONCILE_INTERVAL_MS)) {
      problems.push(`TRADECLOUD_RECONCILE_INTERVAL must be "off" or a duration of at least 5s such as 30s, 15m, 1h, got "${interval}"`);
    } else {
      options.interval = interval;
    }
  }
  const overlap = read('TRADECLOUD_RECONCILE_OVERLAP');
  if (overlap !== undefined) {
    const parsed = parseDuration(overlap);
    if (parsed === undefined || parsed === null) problems.push(`TRADECLOUD_RECONCILE_OVERLAP must be a duration such as 30s or 5m, got "${overlap}"`);
    else options.overlap = overlap;
  }
  const pollOrders = read('TRADECLOUD_POLL_ORDERS');
  if (pollOrders !== undefined) {
    if (pollOrders !== 'delivery-schedule' && pollOrders !== 'single-delivery') {
      problems.push(`TRADECLOUD_POLL_ORDERS must be delivery-schedule or single-delivery, got "${pollOrders}"`);
    } else {
      options.ordersEndpoint = pollOrders;
    }
  }
  return options;
}
