import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardingProxy } from '../support/forwarding-proxy';
import { StandaloneProcess, startStandaloneProcess } from '../support/standalone-process';
import { useDatabase } from '../support/receiver-fixture';
import { PrometheusScrape } from '../observability/prometheus-text';

const TOKEN = 'hardening-test-token-4f9a1c7e2b';
const METRICS_TOKEN = 'scrape-token-8d2e6b';

/** Pipeline lines ("Webhook orders: ...") with the caller's address. */
function answeredFrom(output: string, address: string): string[] {
  return output.split('\n').filter((line) => line.includes('[TradecloudPipeline] Webhook orders') && line.includes(`"clientAddress":"${address}"`));
}

async function scrape(receiver: StandaloneProcess): Promise<PrometheusScrape> {
  const response = await fetch(`${receiver.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  return new PrometheusScrape(await response.text());
}

describe('production start behind a proxy: TRUST_PROXY=loopback, source allowlist, nothing exposed by default, slow clients cut', () => {
  const database = useDatabase('hardening_proxy');
  let receiver: StandaloneProcess;
  let proxy: ForwardingProxy;
  const post = (base: string, headers: Record<string, string>) =>
    fetch(`${base}/tradecloud/webhooks/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  beforeAll(async () => {
    receiver = await startStandaloneProcess({
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_hardening',
      WEBHOOK_BEARER_TOKENS: TOKEN,
      METRICS_TOKEN,
      TRUST_PROXY: 'loopback',
      WEBHOOK_ALLOWED_SOURCES: '203.0.113.0/24',
      HOST: '127.0.0.1',
    });
    proxy = await ForwardingProxy.start(receiver.url.replace('localhost', '127.0.0.1'));
  });
  afterAll(async () => {
    await proxy?.close();
    if (receiver) expect(await receiver.stop('SIGTERM')).toBe(0);
  });

  it('says at start which filter is active and what is exposed', () => {
    const output = receiver.output();
    expect(output).toContain('Caller addresses: from X-Forwarded-For through trusted proxies (trustProxy / TRUST_PROXY = ["loopback"])');
    expect(output).toContain('Webhook source filter active: only 203.0.113.0/24 may call');
    expect(output).toMatch(/Exposed: webhooks under \/tradecloud\/webhooks; \/health to anyone; \/metrics served, Bearer METRICS_TOKEN required; \/docs and \/docs-json not served/);
  });

  it('logs and counts a forwarded caller under its own address, and admits it through the allowlist', async () => {
    const response = await post(proxy.url, { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(400); // past the filter and authentication: the empty event is refused by validation
    await expect.poll(() => answeredFrom(receiver.output(), '203.0.113.7').length).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await scrape(receiver)).value('tradecloud_webhook_requests_by_source_total', { source: '203.0.113.0/24' })).toBeGreaterThanOrEqual(1);
    // A refusal by authentication names the forwarded address too (the per-address log budget uses it).
    expect((await post(proxy.url, { 'x-forwarded-for': '203.0.113.8', authorization: 'Bearer wrong' })).status).toBe(401);
    await expect.poll(() => receiver.output()).toMatch(/Refused POST \/tradecloud\/webhooks\/orders from 203\.0\.113\.8 \(orders\) with 401/);
  });

  it('refuses an address outside the allowlist with 403 before authentication, valid credentials or not', async () => {
    for (const headers of [{ authorization: `Bearer ${TOKEN}` }, {}] as Array<Record<string, string>>) {
      const response = await post(proxy.url, { 'x-forwarded-for': '198.51.100.9', ...headers });
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toBeNull();
    }
    await expect.poll(() => receiver.output()).toMatch(/\[WebhookSources\] Refused POST \/tradecloud\/webhooks\/orders from 198\.51\.100\.9 with 403: not in the webhook source allowlist/);
    expect(receiver.output()).not.toMatch(/from 198\.51\.100\.9 \(orders\) with 401/);
    await expect.poll(async () => (await scrape(receiver)).value('tradecloud_webhook_requests_by_source_total', { source: 'unlisted' })).toBeGreaterThanOrEqual(2);
  });

  it('never lets a malformed or forged header pick an allowed address', async () => {
    for (const forwarded of ['not-an-address', '203.0.113.7, garbage', '[2001:db8::1']) {
      expect((await post(proxy.url, { 'x-forwarded-for': forwarded, authorization: `Bearer ${TOKEN}` })).status).toBe(403);
    }
    // The forged entry is left of an untrusted hop: the caller is 198.51.100.9, not 203.0.113.7.
    expect((await post(proxy.url, { 'x-forwarded-for': '203.0.113.7, 198.51.100.9', authorization: `Bearer ${TOKEN}` })).status).toBe(403);
  });

  it('serves no /docs, /metrics only with the token, and no X-Powered-By anywhere', async () => {
    for (const path of ['/docs', '/docs-json']) {
      const response = await fetch(`${receiver.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
    const closed = await fetch(`${receiver.url}/metrics`);
    expect(closed.status).toBe(401);
    expect(closed.headers.get('x-powered-by')).toBeNull();
    const health = await fetch(`${receiver.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-powered-by')).toBeNull();
    expect((await post(receiver.url, { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${TOKEN}` })).headers.get('x-powered-by')).toBeNull();
  });

  it('cuts a client sending one byte per second with 408 within the documented 10 s window (plus one check), while answering others', async () => {
    const port = Number(new URL(receiver.url).port);
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    socket.on('error', () => undefined);
    socket.write(
      'POST /tradecloud/webhooks/orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nX-Forwarded-For: 203.0.113.9\r\nContent-Length: 1000\r\n\r\n`,
    );
    // A second one without credentials: answered 401 at once, then still dribbling its body.
    const refused = net.connect(port, '127.0.0.1');
    let refusedAnswer = '';
    refused.on('data', (chunk) => (refusedAnswer += chunk.toString()));
    refused.on('error', () => undefined);
    const refusedClosed = new Promise<number>((resolve) => refused.on('close', () => resolve(Date.now() - started)));
    refused.write('POST /tradecloud/webhooks/orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Forwarded-For: 203.0.113.10\r\nContent-Length: 1000\r\n\r\n');
    const dribble = setInterval(() => {
      if (socket.writable) socket.write('{');
      if (refused.writable) refused.write('{');
    }, 1000);
    let answeredMeanwhile = 0;
    try {
      // Another caller meanwhile, one /health request every half second until the cut: a pace,
      // not a wait for something. It spreads the answers counted below over the slow client's
      // window, without a request storm on the 2-core machine that would skew the timing of the
      // cut. The pause ends at the cut.
      while (socket.readyState !== 'closed' && Date.now() - started < 25_000) {
        const response = await fetch(`${receiver.url}/health`);
        expect(response.status).toBe(200);
        answeredMeanwhile++;
        await Promise.race([closed, sleep(500)]);
      }
      const cutAfterMs = await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(cutAfterMs).toBeLessThan(13_000);
      expect(cutAfterMs).toBeGreaterThan(9_000);
      expect(answeredMeanwhile).toBeGreaterThanOrEqual(10);
      expect(refusedAnswer).toMatch(/^HTTP\/1\.1 401 /);
      expect(await refusedClosed).toBeLessThan(13_000);
    } finally {
      clearInterval(dribble);
      socket.destroy();
      refused.destroy();
    }
    await expect.poll(() => receiver.output()).toMatch(/\[HttpServer\] Cut POST \/tradecloud\/webhooks\/orders from 203\.0\.113\.9 with 408 after \d+ s: its body arrived at [\d.]+ bytes\/s/);
    await expect.poll(() => receiver.output()).toMatch(/\[HttpServer\] Cut POST \/tradecloud\/webhooks\/orders from 203\.0\.113\.10 \(answered 401, body still arriving\)/);
    expect((await scrape(receiver)).value('tradecloud_http_slow_requests_cut_total')).toBe(2);
    await expect.poll(async () => (await scrape(receiver)).sum('tradecloud_webhook_requests_total', { kind: 'orders', status_code: '408' })).toBe(1);
  }, 40_000);
});

describe('without TRUST_PROXY, X-Forwarded-For is ignored', () => {
  const database = useDatabase('hardening_no_proxy');
  let receiver: StandaloneProcess;
  let proxy: ForwardingProxy;

  beforeAll(async () => {
    receiver = await startStandaloneProcess({
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_hardening_plain',
      WEBHOOK_BEARER_TOKENS: TOKEN,
      WEBHOOK_ALLOWED_SOURCES: '203.0.113.0/24',
      HOST: '127.0.0.1',
    });
    proxy = await ForwardingProxy.start(receiver.url.replace('localhost', '127.0.0.1'));
  });
  afterAll(async () => {
    await proxy?.close();
    if (receiver) expect(await receiver.stop('SIGTERM')).toBe(0);
  });

  it('takes the proxy for the caller: the forwarded 203.0.113.7 is not believed, so the allowlist refuses', async () => {
    expect(receiver.output()).toContain('X-Forwarded-For is ignored unless TRUST_PROXY is set');
    const response = await fetch(`${proxy.url}/tradecloud/webhooks/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${TOKEN}` },
      body: '{}',
    });
    expect(response.status).toBe(403);
    await expect.poll(() => receiver.output()).toMatch(/Refused POST \/tradecloud\/webhooks\/orders from 127\.0\.0\.1 with 403/);
    await expect.poll(() => answeredFrom(receiver.output(), '127.0.0.1').length).toBeGreaterThanOrEqual(1);
    expect(answeredFrom(receiver.output(), '203.0.113.7')).toEqual([]);
  });

  it('outside production, /docs and /metrics stay open as before', async () => {
    expect((await fetch(`${receiver.url}/docs-json`)).status).toBe(200);
    expect((await fetch(`${receiver.url}/metrics`)).status).toBe(200);
  });
});
