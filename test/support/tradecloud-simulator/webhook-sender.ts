import { setTimeout as sleep } from 'node:timers/promises';
import { HttpAnswer, httpExchange } from '../../../src/cli/simulate/http-exchange';

/** How the sender authenticates, as configured in a Tradecloud webhook integration. */
export type WebhookAuth =
  | { basic: { username: string; password: string } }
  | { bearer: string }
  /** A raw `Authorization` header value, for malformed-credential tests. */
  | { authorization: string };

export interface SendWebhookOptions {
  auth?: WebhookAuth;
  /** Default `POST` (`GET` sends no body). */
  method?: 'POST' | 'PUT' | 'GET';
  /** Extra request headers (override the defaults). */
  headers?: Record<string, string>;
  /** Default `application/json` (when there is a body). */
  contentType?: string;
  /** Send these bytes instead of `JSON.stringify(body)` (invalid JSON, XML, huge bodies…). */
  rawBody?: string | Buffer;
  /** No answer within this time counts as a connection error. Default 30 000 ms. */
  timeoutMs?: number;
  /** CA certificates to trust for an https target (self-signed test certificates). */
  ca?: string | Buffer;
}

/** One webhook call's result. Never thrown: a connection error is a result too. */
export type WebhookResponse = HttpAnswer;

/** Sends one webhook call like Tradecloud does: JSON body, one auth scheme. */
export function sendWebhook(targetUrl: string, body: unknown, options: SendWebhookOptions = {}): Promise<WebhookResponse> {
  const method = options.method ?? 'POST';
  const url = new URL(targetUrl);
  const payload = method === 'GET' ? undefined : (options.rawBody ?? Buffer.from(JSON.stringify(body)));
  const headers: Record<string, string | number> = { 'User-Agent': 'Tradecloud-Webhook-Simulator', Accept: 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  const authorization = authorizationHeader(options.auth);
  if (authorization) headers.Authorization = authorization;
  Object.assign(headers, options.headers);
  return httpExchange(url, { method, headers, payload, ca: options.ca, timeoutMs: options.timeoutMs ?? 30_000 });
}

function authorizationHeader(auth: WebhookAuth | undefined): string | undefined {
  if (!auth) return undefined;
  if ('basic' in auth) return `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`;
  if ('bearer' in auth) return `Bearer ${auth.bearer}`;
  return auth.authorization;
}

/** Tradecloud's documented rule: answers above 500, and no answer at all, are retried; 2xx, 4xx and 500 are final. */
export function tradecloudRetries(response: WebhookResponse): boolean {
  return response.status === undefined || response.status > 500;
}

export interface DeliveryPolicy {
  /** Most calls for one event. Default 10. */
  maxAttempts?: number;
  /** First back-off pause, doubled after each retried answer. Default 200 ms. */
  initialDelayMs?: number;
  /** Longest back-off pause. Default 5 000 ms. */
  maxDelayMs?: number;
  /** Give up when the next pause would end later than this after the first call. Default 60 000 ms. */
  maxTotalMs?: number;
}

export type DeliveryOutcome = 'delivered' | 'dropped' | 'gave-up';

export interface DeliveryResult {
  /** `delivered`: a 2xx; `dropped`: a final non-2xx (4xx, 500, …); `gave-up`: still failing when attempts or time ran out. */
  outcome: DeliveryOutcome;
  /** Every answer in order; `undefined` for a call without an answer. */
  statuses: Array<number | undefined>;
  attempts: number;
  durationMs: number;
  last: WebhookResponse;
}

/**
 * Delivers one event as Tradecloud would: retries while the receiver answers > 500 or not at
 * all, with exponential back-off and jitter, bounded in attempts and in time (Tradecloud retries
 * forever; a test must stop).
 */
export async function deliverWebhook(
  targetUrl: string,
  body: unknown,
  options: SendWebhookOptions & DeliveryPolicy = {},
): Promise<DeliveryResult> {
  const maxAttempts = options.maxAttempts ?? 10;
  const initialDelayMs = options.initialDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const deadline = performance.now() + (options.maxTotalMs ?? 60_000);
  const started = performance.now();
  const statuses: Array<number | undefined> = [];
  for (let attempt = 1; ; attempt++) {
    const last = await sendWebhook(targetUrl, body, options);
    statuses.push(last.status);
    const result = (outcome: DeliveryOutcome): DeliveryResult => ({ outcome, statuses, attempts: attempt, durationMs: performance.now() - started, last });
    if (last.status !== undefined && last.status >= 200 && last.status < 300) return result('delivered');
    if (!tradecloudRetries(last)) return result('dropped');
    const backOff = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
    const delay = backOff / 2 + Math.random() * (backOff / 2);
    if (attempt >= maxAttempts || performance.now() + delay > deadline) return result('gave-up');
    await sleep(delay);
  }
}

export interface GetWebhookOptions extends SendWebhookOptions, DeliveryPolicy {
  /** `path`: `<url>/<id>` (default); `query`: `<url>?orderId=<id>`. A URL holding `{orderId}` / `{shipmentId}` is filled in instead. */
  style?: 'path' | 'query';
  /** Query parameter name for `style: 'query'`. Default `orderId`. */
  idParameter?: 'orderId' | 'shipmentId';
}

/** The URL Tradecloud calls for a legacy GET webhook. */
export function getWebhookUrl(targetUrl: string, id: string, options: Pick<GetWebhookOptions, 'style' | 'idParameter'> = {}): string {
  if (/\{(orderId|shipmentId)\}/.test(targetUrl)) return targetUrl.replace(/\{(orderId|shipmentId)\}/g, encodeURIComponent(id));
  if (options.style === 'query') {
    const url = new URL(targetUrl);
    url.searchParams.set(options.idParameter ?? 'orderId', id);
    return url.toString();
  }
  return `${targetUrl.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;
}

/** Delivers a legacy GET webhook (no body, only the id in the URL) with Tradecloud's retry rule. */
export function deliverGetWebhook(targetUrl: string, id: string, options: GetWebhookOptions = {}): Promise<DeliveryResult> {
  return deliverWebhook(getWebhookUrl(targetUrl, id, options), undefined, { ...options, method: 'GET' });
}
