import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEntra, requestClientCredentialsToken } from '../support/fake-entra/fake-entra';
import { hmacWithPublicKey, signedWithForeignKey, unsigned } from '../support/fake-entra/forged-tokens';
import { ReceiverApp, startReceiverApp, TEST_BASIC_PASSWORD, TEST_BASIC_USER } from '../support/receiver-app';
import { useDatabase } from '../support/receiver-fixture';
import { buildOrderEvent, sendWebhook, SeededRandom } from '../support/tradecloud-simulator';
import { rowCounts } from './support/checks';
import { AnswerTally } from './support/delivery';
import { recordEnvironment, scenario } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const size = SIZES_FOR_SCALE.auth;
const TOKEN = `static-${randomBytes(24).toString('hex')}`;
const RESOURCE = { applicationIdUri: 'api://tradecloud-webhooks', clientId: '0f3b8a2c-7d44-4f0e-8c55-3b9d2e6a1f22', accessTokenVersion: 2 as const };
const OTHER_API = { applicationIdUri: 'api://other-api', clientId: 'a9e7c1d3-5b2f-4e6a-9d8c-7f1e2b3a4c55', accessTokenVersion: 2 as const };
const CLIENT = { clientId: '11111111-2222-4333-8444-555555555555', clientSecret: 'tc~secret', roles: ['Webhook.Send'] };
const STRANGER = { clientId: '99999999-8888-4777-8666-555555555555', clientSecret: 'other~secret', roles: ['Webhook.Send'] };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** Same length as `secret`, the first `right` characters right, every other one wrong. */
const prefixRight = (secret: string, right: number) => secret.slice(0, right) + [...secret.slice(right)].map((c) => (c === 'x' ? 'y' : 'x')).join('');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('reliability: authentication abuse', () => {
  const database = useDatabase('rel_auth');
  let entra: FakeEntra;
  let receiver: ReceiverApp;

  beforeAll(async () => {
    entra = await FakeEntra.start();
    for (const resource of [RESOURCE, OTHER_API]) entra.registerResource(resource);
    for (const client of [CLIENT, STRANGER]) entra.registerClient(client);
    receiver = await startReceiverApp({
      databaseUrl: database.url,
      options: {
        auth: {
          basic: [{ username: TEST_BASIC_USER, password: TEST_BASIC_PASSWORD }],
          bearerTokens: [TOKEN],
          oauth: { jwksUri: entra.jwksUri(), issuers: [entra.issuer(1), entra.issuer(2)], audiences: [RESOURCE.clientId], clientIds: [CLIENT.clientId], requiredRole: 'Webhook.Send' },
        },
      },
    });
    await recordEnvironment(receiver.sql);
  });
  afterAll(async () => {
    await receiver?.close();
    await entra?.close();
  });

  /** `count` wrong Authorization values of each scheme. */
  async function wrongCredentials(count: number): Promise<Record<string, string[]>> {
    const random = new SeededRandom('auth-abuse');
    const password = TEST_BASIC_PASSWORD;
    const basicValues = Array.from({ length: count }, (_, i) => {
      switch (i % 6) {
        case 0: return basic(TEST_BASIC_USER, randomBytes(12).toString('base64'));
        case 1: return basic(TEST_BASIC_USER, prefixRight(password, random.int(0, password.length - 1)));
        case 2: return basic(`${TEST_BASIC_USER}${random.int(1, 999)}`, password);
        case 3: return basic(TEST_BASIC_USER, `${password}${random.pick(['x', ' ', ':', '\u0000'])}`);
        case 4: return `Basic ${randomBytes(random.int(1, 40)).toString('base64')}`;
        default: return random.pick(['Basic', 'Basic ', `Basic ${Buffer.from(TEST_BASIC_USER).toString('base64')}`, 'basic Og==', `Basic ${'A'.repeat(5000)}`]);
      }
    });
    const bearerValues = Array.from({ length: count }, (_, i) => {
      switch (i % 4) {
        case 0: return `Bearer ${randomBytes(24).toString('hex')}`;
        case 1: return `Bearer ${prefixRight(TOKEN, random.int(0, TOKEN.length - 1))}`;
        case 2: return `Bearer ${TOKEN}${random.pick(['x', '0', '='])}`;
        default: return random.pick(['Bearer', 'Bearer ', `Bearer  ${TOKEN}`, `Token ${TOKEN}`, `Digest ${TOKEN}`, TOKEN]);
      }
    });
    const genuine = await requestClientCredentialsToken(entra.tokenEndpoint(), { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, scope: `${RESOURCE.applicationIdUri}/.default` });
    const wrongAudience = await requestClientCredentialsToken(entra.tokenEndpoint(), { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, scope: `${OTHER_API.applicationIdUri}/.default` });
    const wrongClient = await requestClientCredentialsToken(entra.tokenEndpoint(), { clientId: STRANGER.clientId, clientSecret: STRANGER.clientSecret, scope: `${RESOURCE.applicationIdUri}/.default` });
    entra.clockOffsetSeconds = -7_200;
    const expired = await requestClientCredentialsToken(entra.tokenEndpoint(), { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, scope: `${RESOURCE.applicationIdUri}/.default` });
    entra.clockOffsetSeconds = 0;
    const forged = [
      await signedWithForeignKey(genuine, entra.currentKid),
      unsigned(genuine),
      await hmacWithPublicKey(genuine, entra.jwksUri()),
      wrongAudience,
      wrongClient,
      expired,
    ];
    const oauthValues = Array.from({ length: count }, (_, i) => {
      if (i < forged.length * 4) return `Bearer ${forged[i % forged.length]}`;
      const [header, payload, signature] = genuine.split('.');
      // The genuine token with one character of its signature or claims changed. The last
      // character also holds padding bits that decoding ignores: it is left alone, so that the
      // change always alters the decoded bytes (a different encoding of the same signature is
      // the same, valid, token).
      const part = i % 2 ? signature : payload;
      const at = random.int(0, part.length - 2);
      const flip = (text: string) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      if (Buffer.from(flip(part), 'base64url').equals(Buffer.from(part, 'base64url'))) throw new Error('the change must alter the token');
      return `Bearer ${i % 2 ? `${header}.${payload}.${flip(signature)}` : `${header}.${flip(payload)}.${signature}`}`;
    });
    const unknownKid = await Promise.all(Array.from({ length: 10 }, (_, i) => signedWithForeignKey(genuine, `unknown-kid-${i}`)));
    return {
      Basic: basicValues,
      'static Bearer': bearerValues,
      'OAuth (JWT)': oauthValues,
      'OAuth (JWT) signed with an unknown key id': unknownKid.map((token) => `Bearer ${token}`),
      'no credentials': Array.from({ length: Math.max(10, count / 10) }, () => ''),
    };
  }

  it(`${size.perScheme.toLocaleString('en-US')} wrong credentials per scheme: all 401, nothing written; wrong-password timing independent of the right prefix`, () =>
    scenario(
      {
        id: 'auth-abuse',
        order: 8,
        title: 'Authentication abuse',
        checks: [
          `${size.perScheme.toLocaleString('en-US')} requests per scheme, each with a valid order event as body and wrong credentials: Basic (wrong, partly right, too long passwords, unknown users, malformed values), static Bearer (wrong, partly right, malformed), OAuth JWTs (signed with a foreign key under the real key id, alg none, HS256 with the public key, wrong audience, client not allowed, expired, one character of the claims or signature changed), 10 JWTs signed with unknown key ids, and no Authorization header`,
          `every answer is 401 with the 401 body (unknown key ids too: within the JWKS refetch cooldown after a successful download, the key set is current and lacks them); the row counts of every table are the same before and after (no event, not even a rejected one)`,
          `timing: ${size.timingSamples.toLocaleString('en-US')} requests each with a wrong password (and a wrong static token) of the right length that has 0, half, or all but the last character right, interleaved in random order, one at a time; the median answer times of "none right" and "all but one right" differ by less than max(0.3 ms, 15 %)`,
          'a correct request is still accepted afterwards',
        ],
      },
      async (recorder) => {
        recorder.size = `${size.perScheme.toLocaleString('en-US')} wrong credentials × 3 schemes + ${size.timingSamples.toLocaleString('en-US')} × 3 timing probes × 2 schemes`;
        const body = buildOrderEvent({ seed: 5, lineCount: 1 });
        const countsBefore = await rowCounts(receiver.sql, 'tradecloud');
        const tally = new AnswerTally();
        const groups = await wrongCredentials(size.perScheme);
        const unexpected: string[] = [];
        for (const [scheme, values] of Object.entries(groups)) {
          const schemeTally = new AnswerTally();
          let next = 0;
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              while (next < values.length) {
                const value = values[next++];
                const response = await sendWebhook(`${receiver.webhooks}/orders`, body, { headers: value ? { Authorization: value } : {} });
                schemeTally.add([response.status]);
                tally.add([response.status]);
                if (response.status !== 401 || JSON.parse(response.body || '{}').statusCode !== 401) unexpected.push(`${scheme} ${value.slice(0, 80)} → ${response.status} ${response.body.slice(0, 100)}`);
              }
            }),
          );
          recorder.detail(`${scheme}: answers`, schemeTally.describe());
        }
        const countsAfter = await rowCounts(receiver.sql, 'tradecloud');

        const timing: Record<string, Record<string, number>> = {};
        for (const [scheme, secret, header] of [
          ['Basic password', TEST_BASIC_PASSWORD, (value: string) => basic(TEST_BASIC_USER, value)],
          ['static Bearer token', TOKEN, (value: string) => `Bearer ${value}`],
        ] as const) {
          const classes = { none: 0, half: Math.floor(secret.length / 2), allButLast: secret.length - 1 };
          const probes = Object.entries(classes).flatMap(([name, right]) => Array.from({ length: size.timingSamples }, () => ({ name, value: header(prefixRight(secret, right)) })));
          const random = new SeededRandom('timing', scheme);
          for (let i = probes.length - 1; i > 0; i--) {
            const j = Math.floor(random.next() * (i + 1));
            [probes[i], probes[j]] = [probes[j], probes[i]];
          }
          for (let i = 0; i < 50; i++) await sendWebhook(`${receiver.webhooks}/orders`, body, { headers: { Authorization: probes[i].value } }); // warm-up
          const times: Record<string, number[]> = { none: [], half: [], allButLast: [] };
          for (const probe of probes) {
            const response = await sendWebhook(`${receiver.webhooks}/orders`, body, { headers: { Authorization: probe.value } });
            tally.add([response.status]);
            if (response.status !== 401) unexpected.push(`timing ${scheme} → ${response.status}`);
            times[probe.name].push(response.durationMs);
          }
          timing[scheme] = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
          const { none, half, allButLast } = timing[scheme];
          recorder.detail(`${scheme}: median answer time with none / half / all but the last character right (ms)`, `${none.toFixed(3)} / ${half.toFixed(3)} / ${allButLast.toFixed(3)}`);
        }
        const accepted = await receiver.post('/orders', body);
        const writtenByAbuse = Object.entries(countsAfter).filter(([table, n]) => n !== countsBefore[table]).map(([table]) => table);
        recorder.set({ ...tally.standard(), badInputs: tally.calls, serverErrorsOnBadInputs: tally.serverErrors });
        recorder.detail('answers other than 401', unexpected.length);
        recorder.detail('tables with rows written by the wrong-credential requests', writtenByAbuse.length);
        recorder.detail('a correct request afterwards', accepted.status);
        expect(unexpected.slice(0, 10)).toEqual([]);
        expect(writtenByAbuse).toEqual([]);
        for (const [scheme, medians] of Object.entries(timing)) {
          const bound = Math.max(0.3, 0.15 * medians.none);
          expect(Math.abs(medians.allButLast - medians.none), `${scheme}: ${JSON.stringify(medians)}`).toBeLessThan(bound);
        }
        expect(accepted.status).toBe(202);
      },
    ));
});
