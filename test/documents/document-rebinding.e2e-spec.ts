import { beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_HOST_RESOLVER, HostResolver } from '../../src/documents/document-url-guard';
import { useReceiver } from '../support/receiver-fixture';
import { buildOrderDocumentsEvent, TradecloudSimulator } from '../support/tradecloud-simulator';
import { deliver, documentReceiverOptions, settledDocuments } from './document-test-kit';

const HOST = 'files.partner.example';

/**
 * A DNS that answers `answers[n]` to the n-th question about HOST (the last answer from then on),
 * so a name can look public when checked and lead to loopback when connected to. No real DNS.
 */
function scriptedResolver(answers: string[][]): HostResolver & { questions: number } {
  const resolver = Object.assign(
    async (hostname: string) => {
      if (hostname !== HOST) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return answers[Math.min(resolver.questions++, answers.length - 1)];
    },
    { questions: 0 },
  );
  return resolver;
}

describe('partner url documents: the address connected to is the address checked (DNS rebinding)', () => {
  // Each test starts a receiver of its own (startAnother), with its own resolver.
  const fixture = useReceiver({ label: 'document_rebinding', simulator: true, start: false });
  let simulator: TradecloudSimulator;
  beforeAll(() => {
    simulator = fixture.simulator;
  });

  /** A url document on the simulator's partner server, but addressed by HOST instead of 127.0.0.1. */
  function eventWithPartnerUrl(seed: number) {
    const base = new URL(simulator.partnerUrl('rebinding'));
    base.hostname = HOST;
    return buildOrderDocumentsEvent({ seed, headerDocuments: 0, lineNumbers: [1], documentsPerLine: 0, urlBase: base.toString() });
  }

  it('refuses a host that resolves to a public address when checked and to 127.0.0.1 when connecting', async () => {
    const resolver = scriptedResolver([['93.184.216.34'], ['127.0.0.1']]);
    const receiver = await fixture.startAnother({
      schema: 'tc_rebind_refused',
      options: documentReceiverOptions(simulator, {}),
      overrides: [{ provide: DOCUMENT_HOST_RESOLVER, useValue: resolver }],
    });
    simulator.clearRequests();
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', eventWithPartnerUrl(61)));
    expect(row.content_status).toBe('failed');
    expect(row.last_error).toMatch(/refused at connect time: files\.partner\.example resolves to the non-public address 127\.0\.0\.1/);
    // The check passed (public answer), the connection asked again and was stopped before sending anything.
    expect(resolver.questions).toBeGreaterThanOrEqual(2);
    expect(simulator.requestsTo('partner')).toHaveLength(0);
  });

  it('connects through the same resolver when private addresses are allowed (DOCUMENTS_ALLOW_PRIVATE_URLS keeps its meaning)', async () => {
    const resolver = scriptedResolver([['127.0.0.1']]);
    const receiver = await fixture.startAnother({
      schema: 'tc_rebind_allowed',
      options: documentReceiverOptions(simulator, { allowPrivateAddresses: true }),
      overrides: [{ provide: DOCUMENT_HOST_RESOLVER, useValue: resolver }],
    });
    simulator.clearRequests();
    const body = eventWithPartnerUrl(62);
    const url = new URL(body.orderDocumentsEvent.lines[0].supplierLine.documents[0].url as string);
    simulator.addPartnerFile(url.pathname.replace(/^\/partner\//, ''), { filename: 'spec.pdf', contentType: 'application/pdf', content: { size: 2048, seed: 62 } });
    const [row] = await settledDocuments(receiver, await deliver(receiver, '/order-documents', body));
    expect(row).toMatchObject({ content_status: 'stored', last_error: null });
    expect(resolver.questions).toBeGreaterThanOrEqual(1);
    expect(simulator.requestsTo('partner').length).toBeGreaterThanOrEqual(1);
  });
});
