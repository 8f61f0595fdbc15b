import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase, waitFor } from '../support/receiver-fixture';
import { AuthTestApp, basicHeader, CapturingLogger, startAuthTestApp } from './auth-test-app';

describe('webhook authentication: refusal warnings of one caller are bounded', () => {
  const database = useDatabase('auth_refusal_log');
  let receiver: AuthTestApp;
  const logger = new CapturingLogger();
  const refusals = () => logger.lines.filter((line) => line.includes('Refused'));
  const wrong = { authorization: basicHeader('tradecloud', 'guessing-the-password') };
  const post = () => fetch(`${receiver.url}/under-test/orders`, { method: 'POST', headers: wrong }).then((response) => response.status);

  beforeAll(async () => {
    receiver = await startAuthTestApp(database.url, { basic: [{ username: 'tradecloud', password: 'the-right-password-41' }] }, logger);
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('logs a burst of 50 refusals, leaves out the rest, then says how many it left out', async () => {
    for (let round = 0; round < 6; round++) {
      const statuses = await Promise.all(Array.from({ length: 20 }, post));
      expect(statuses.every((status) => status === 401)).toBe(true);
    }
    // 120 refusals within about a second: the burst of 50 lines, plus at most a refill or two.
    expect(refusals().length).toBeGreaterThanOrEqual(50);
    expect(refusals().length).toBeLessThanOrEqual(53);
    // Once the budget refills (about a second), the next refusal is logged again, with the count
    // of those left out: refuse until that line appears.
    await waitFor(async () => {
      expect(await post()).toBe(401);
      expect(refusals().at(-1)).toMatch(
        /Refused POST \/under-test\/orders from \S+ \(orders\) with 401: wrong password for Basic user "tradecloud" \(\d{2,3} more refusal\(s\) from this address were not logged\)/,
      );
    });
  });
});
