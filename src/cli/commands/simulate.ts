import { readFileSync } from 'node:fs';
import { CliIo, parseCount, printJson, startProgress, usageError } from '../cli-output';
import { SCENARIOS, scenarioHelp, SimulatedDelivery } from '../simulate/scenarios';
import { AuthSettings, postWebhook, resolveAuth, WebhookAnswer } from '../simulate/webhook-client';

export interface SimulateOptions extends AuthSettings {
  url?: string;
  count?: string;
  concurrency?: string;
  seed?: string;
  ca?: string;
  /** `json` (default) or `txml`: order and order-document webhooks as Tradecloud's XML (shipments stay JSON, as at Tradecloud). */
  format?: string;
  json: boolean;
}

export interface SimulatedResult {
  step: number;
  route: string;
  eventName: string;
  orderId: string;
  purchaseOrderNumber: string;
  shipmentId?: string;
  status?: number;
  /** The receiver's answer body, parsed when it is JSON. */
  answer: unknown;
  error?: string;
  durationMs: number;
}

const DEFAULT_URL = 'http://localhost:3000';
const DEFAULT_PREFIX = '/tradecloud/webhooks';

/** `http://host:3000` gets the default webhook path; a URL with a path is used as the webhook base as given. */
export function webhookBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url must be the receiver's URL, e.g. ${DEFAULT_URL}, got "${url}"`);
  }
  const base = parsed.toString().replace(/\/+$/, '');
  return parsed.pathname === '/' ? `${base}${DEFAULT_PREFIX}` : base;
}

/**
 * `tradecloud simulate <scenario> --url <receiver>`: sends a realistic stream of Tradecloud
 * webhooks (built like the reference samples, with fresh ids per seed) with real credentials,
 * and prints each answer. Exit code 1 when any call was not answered 2xx.
 */
export async function simulateCommand(io: CliIo, scenarioName: string | undefined, options: SimulateOptions): Promise<number> {
  const scenario = scenarioName && Object.hasOwn(SCENARIOS, scenarioName) ? SCENARIOS[scenarioName] : undefined;
  if (!scenario) throw usageError(`simulate needs a scenario:\n${scenarioHelp()}\n`);
  const seed = options.seed !== undefined ? parseCount('seed', options.seed, 1, 2 ** 31) : Math.floor(Math.random() * 2 ** 31);
  const count = parseCount('count', options.count, 50, 100_000);
  const concurrency = parseCount('concurrency', options.concurrency, 10, 500);
  const base = webhookBase(options.url ?? DEFAULT_URL);
  const ca = options.ca ? readFileSync(options.ca) : undefined;
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'txml') throw usageError(`--format must be json or txml, got "${format}"`);
  const auth = await resolveAuth(options);
  // Started a minute ago, so the events' lastUpdatedAt are in the past like real ones.
  const plan = scenario.plan({ seed, count, startedAt: Date.now() - 60_000 });
  if (!options.json) io.out(`Scenario ${scenarioName} (seed ${seed}): ${plan.deliveries.length} webhook(s) to ${base} with ${auth.description}${format === 'txml' ? ', orders as tXML' : ''}`);

  const results: SimulatedResult[] = new Array(plan.deliveries.length);
  const progress = plan.concurrent ? startProgress(io, plan.deliveries.length, 'Sending', options.json) : undefined;
  const quiet = progress !== undefined && io.interactive && !options.json;
  const send = async (delivery: SimulatedDelivery, index: number) => {
    const answer = await postWebhook(`${base}/${delivery.route}`, delivery.body, auth.authorization, ca, undefined, format === 'txml' && delivery.route !== 'shipments' ? 'txml' : 'json');
    results[index] = toResult(delivery, index, answer);
    progress?.tick();
    if (!options.json && !quiet) io.out(describe(results[index]));
  };
  if (plan.concurrent) {
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < plan.deliveries.length; index = next++) await send(plan.deliveries[index], index);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, plan.deliveries.length) }, worker));
  } else {
    for (const [index, delivery] of plan.deliveries.entries()) await send(delivery, index);
  }
  progress?.stop();

  const summary = summarize(results);
  if (options.json) {
    printJson(io, { scenario: scenarioName, seed, url: base, summary, results });
  } else {
    if (quiet) for (const result of results.filter((r) => !isSuccess(r))) io.out(describe(result));
    const orders = [...new Set(results.map((r) => r.purchaseOrderNumber))];
    io.out(
      `Answers: ${Object.entries(summary).map(([outcome, n]) => `${outcome} ${n}`).join(', ')}. ` +
        `Orders: ${orders.slice(0, 5).join(', ')}${orders.length > 5 ? `, … (${orders.length})` : ''}`,
    );
  }
  return results.every(isSuccess) ? 0 : 1;
}

function toResult(delivery: SimulatedDelivery, index: number, answer: WebhookAnswer): SimulatedResult {
  let parsed: unknown = answer.body;
  try {
    parsed = answer.body ? JSON.parse(answer.body) : null;
  } catch {
    // not JSON: keep the text
  }
  return {
    step: index + 1,
    route: delivery.route,
    eventName: delivery.eventName,
    orderId: delivery.orderId,
    purchaseOrderNumber: delivery.purchaseOrderNumber,
    shipmentId: delivery.shipmentId,
    status: answer.status,
    answer: parsed,
    error: answer.error,
    durationMs: Math.round(answer.durationMs),
  };
}

function isSuccess(result: SimulatedResult): boolean {
  return result.status !== undefined && result.status >= 200 && result.status < 300;
}

/** `accepted`, `duplicate`, `400`, `ECONNREFUSED`, …: what each call got. */
function outcomeOf(result: SimulatedResult): string {
  const status = (result.answer as { status?: unknown } | null)?.status;
  if (isSuccess(result) && typeof status === 'string') return status;
  return result.status !== undefined ? String(result.status) : (result.error ?? 'no answer');
}

function summarize(results: SimulatedResult[]): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const result of results) summary[outcomeOf(result)] = (summary[outcomeOf(result)] ?? 0) + 1;
  return summary;
}

function describe(result: SimulatedResult): string {
  const subject = result.shipmentId ? `shipment ${result.shipmentId}` : `order ${result.purchaseOrderNumber}`;
  const answer = result.status !== undefined ? `${result.status} ${typeof result.answer === 'string' ? result.answer : JSON.stringify(result.answer)}` : `no answer (${result.error})`;
  return `#${result.step} POST ${result.route} ${result.eventName} (${subject}) -> ${answer} in ${result.durationMs} ms`;
}
