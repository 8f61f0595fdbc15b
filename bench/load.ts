import autocannon from 'autocannon';
import http from 'node:http';
import { percentile } from './stats';

export interface Target {
  /** `http://127.0.0.1:<port>`: loopback only. */
  url: string;
  path: string;
  authorization: string;
}

export interface LoadResult {
  /** 202 answers (accepted, never a duplicate). */
  accepted: number;
  /** Other answers and connection errors. */
  otherStatuses: Record<string, number>;
  errors: number;
  durationS: number;
  acceptedPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Stop functions of the load that is running now, for SIGINT. */
export const runningLoads = new Set<() => void>();

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`The benchmark only loads loopback addresses, not ${host}`);
}

/**
 * Closed loop with autocannon: `connections` keep one request in flight each, for `durationS`
 * or `maxRequests`, whichever comes first. Request i carries `body(i)`.
 */
export async function closedLoop(
  target: Target,
  options: { connections: number; durationS: number; maxRequests: number },
  body: (i: number) => string,
): Promise<LoadResult> {
  assertLoopback(target.url);
  let next = 0;
  const instance = autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.durationS,
    maxOverallRequests: options.maxRequests,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: target.path,
        headers: { authorization: target.authorization, 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: body(next++) }),
      },
    ],
  });
  const stop = () => instance.stop();
  runningLoads.add(stop);
  // A hard stop in case the target hangs: duration + every request's timeout.
  const guard = setTimeout(stop, (options.durationS + 15) * 1000);
  try {
    const result = await instance;
    const otherStatuses: Record<string, number> = {};
    for (const [status, { count }] of Object.entries(result.statusCodeStats)) if (status !== '202') otherStatuses[status] = Number(count);
    const accepted = Number(result.statusCodeStats['202']?.count ?? 0);
    return {
      accepted,
      otherStatuses,
      errors: result.errors,
      durationS: result.duration,
      acceptedPerS: accepted / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
    };
  } finally {
    clearTimeout(guard);
    runningLoads.delete(stop);
  }
}

/**
 * Open loop at a fixed rate: request i is due at start + i/rate and is sent then, whatever the
 * answers to earlier requests (no coordinated omission); its latency counts from when it was
 * due. Ends after `count` answers or `graceS` (default 15) seconds after the last send; requests
 * unanswered then count as errors.
 */
export async function openLoop(target: Target, options: { rate: number; count: number; graceS?: number }, body: (i: number) => string): Promise<LoadResult> {
  assertLoopback(target.url);
  const url = new URL(target.path, target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const latencies: number[] = [];
  const otherStatuses: Record<string, number> = {};
  let accepted = 0;
  let errors = 0;
  let done = 0;
  let stopped = false;
  const start = performance.now();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const complete = (due: number, status: number | 'error') => {
    if (status === 202) {
      accepted++;
      latencies.push(performance.now() - due);
    } else if (status === 'error') errors++;
    else otherStatuses[status] = (otherStatuses[status] ?? 0) + 1;
    if (++done === options.count) finish();
  };
  const send = (i: number, due: number) => {
    const text = body(i);
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        timeout: 10_000,
        headers: { authorization: target.authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        response.resume();
        response.on('end', () => complete(due, response.statusCode ?? 0));
        response.on('error', () => complete(due, 'error'));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => complete(due, 'error'));
    request.end(text);
  };
  let sent = 0;
  const interval = 1000 / options.rate;
  const pump = () => {
    if (stopped) return;
    const now = performance.now();
    while (sent < options.count && start + sent * interval <= now) {
      send(sent, start + sent * interval);
      sent++;
    }
    if (sent < options.count) setTimeout(pump, Math.max(0, start + sent * interval - performance.now()));
  };
  const stop = () => {
    stopped = true;
    finish();
  };
  runningLoads.add(stop);
  const guard = setTimeout(stop, (options.count / options.rate + (options.graceS ?? 15)) * 1000);
  pump();
  await finished;
  stopped = true;
  clearTimeout(guard);
  runningLoads.delete(stop);
  agent.destroy();
  const durationS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    accepted,
    otherStatuses,
    errors: errors + (options.count - done),
    durationS,
    acceptedPerS: accepted / durationS,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? NaN,
  };
}

/** One POST, timed: status, answer body and milliseconds to the complete answer. */
export function postOnce(target: Target, text: string | Buffer, timeoutMs = 120_000, contentType = 'application/json'): Promise<{ status: number; body: string; ms: number }> {
  assertLoopback(target.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(
      new URL(target.path, target.url),
      {
        method: 'POST',
        timeout: timeoutMs,
        headers: { authorization: target.authorization, 'content-type': contentType, 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (answer += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: answer, ms: performance.now() - started }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(text);
  });
}
