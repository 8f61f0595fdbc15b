import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TradecloudSimulator } from '../../test/support/tradecloud-simulator';
import { TradecloudApiClient } from '../tradecloud-api';
import { TradecloudApiError } from '../tradecloud-api/tradecloud-api.error';
import { connectTimeLookup, HostResolver } from './document-url-guard';

/** A DNS for the test: names under `.partner.example` resolve as listed, the rest does not exist. */
function resolverOf(answers: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  return Object.assign(
    async (hostname: string) => {
      asked.push(hostname);
      const answer = answers[hostname];
      if (!answer) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return answer;
    },
    { asked },
  );
}

describe('connectTimeLookup on the download agent (against the simulator on loopback)', () => {
  let simulator: TradecloudSimulator;
  let client: TradecloudApiClient;

  beforeEach(async () => {
    simulator = await TradecloudSimulator.start();
    client = TradecloudApiClient.create({ baseUrl: simulator.baseUrl, ...simulator.credentials, retryBaseDelayMs: 20, retryMaxDelayMs: 200 });
  });
  afterEach(async () => {
    client.onApplicationShutdown();
    await simulator.stop();
  });

  /** `url` on the simulator, addressed by `hostname` instead of 127.0.0.1. */
  const byName = (url: string, hostname: string) => Object.assign(new URL(url), { hostname }).toString();

  it('resolves every hop when it connects, redirects included, and refuses a hop whose address is not public', async () => {
    const target = simulator.addPartnerFile('specs/rebound.pdf', { filename: 'rebound.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7') });
    const first = simulator.addRedirect('to-named-host', byName(target, 'files.partner.example'));

    // Allowed (as with DOCUMENTS_ALLOW_PRIVATE_URLS): both hops connect through the resolver's answers.
    const permissive = resolverOf({ 'start.partner.example': ['127.0.0.1'], 'files.partner.example': ['127.0.0.1'] });
    const download = await client.downloadFromUrl(byName(first, 'start.partner.example'), { maxBytes: 1000, lookup: connectTimeLookup(permissive, false) });
    download.stream.resume();
    expect(download.filename).toBe('rebound.pdf');
    expect(permissive.asked).toEqual(['start.partner.example', 'files.partner.example']);

    // Checked: the redirect target's connection is refused, and nothing is requested from it.
    simulator.clearRequests();
    const checking = resolverOf({ 'start.partner.example': ['127.0.0.1'], 'files.partner.example': ['::1'] });
    // The first hop is let through by a lookup that checks only the second name, to reach the redirect.
    const refuseSecondOnly = connectTimeLookup(checking, true);
    const lookup: typeof refuseSecondOnly = (hostname, options, callback) =>
      hostname === 'start.partner.example' ? connectTimeLookup(checking, false)(hostname, options, callback) : refuseSecondOnly(hostname, options, callback);
    const error = await client.downloadFromUrl(byName(first, 'start.partner.example'), { maxBytes: 1000, lookup }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TradecloudApiError);
    expect(error).toMatchObject({ transient: false, message: expect.stringMatching(/refused at connect time: files\.partner\.example resolves to the non-public address ::1/) });
    expect(simulator.requests.map((request) => request.path)).toEqual(['/redirect/to-named-host']);
  });

  it('passes a DNS failure on as a transient network error', async () => {
    const url = byName(simulator.addPartnerFile('x.pdf', { filename: 'x.pdf', contentType: 'application/pdf', content: Buffer.from('x') }), 'gone.partner.example');
    const error = await client.downloadFromUrl(url, { maxBytes: 1000, maxRetries: 0, lookup: connectTimeLookup(resolverOf({}), true) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'network', transient: true, message: expect.stringMatching(/ENOTFOUND/) });
  });
});
