import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventNameLabel } from '../observability/metrics/tradecloud-metrics';
import { formatAge, formatTable, parseEventIds, parseTimeOption } from './cli-output';
import { webhookBase } from './commands/simulate';
import { resolveAuth } from './simulate/webhook-client';

describe('CLI helpers', () => {
  it('reads --since/--until as dates, times or ages', () => {
    const now = Date.parse('2025-06-12T12:00:00Z');
    expect(parseTimeOption('since', '2h', now)?.toISOString()).toBe('2025-06-12T10:00:00.000Z');
    expect(parseTimeOption('since', '30m', now)?.toISOString()).toBe('2025-06-12T11:30:00.000Z');
    expect(parseTimeOption('since', '7d', now)?.toISOString()).toBe('2025-06-05T12:00:00.000Z');
    expect(parseTimeOption('until', '2025-06-01T08:00:00Z')?.toISOString()).toBe('2025-06-01T08:00:00.000Z');
    expect(parseTimeOption('until', undefined)).toBeUndefined();
    expect(() => parseTimeOption('since', 'yesterday')).toThrow('--since must be a date or time');
    expect(() => parseEventIds(['12', '1;DROP'])).toThrow('"1;DROP" is not an event id');
  });

  it('prints aligned tables, cutting long cells except the last column', () => {
    const table = formatTable(['ID', 'NAME', 'ERROR'], [[1, null, 'x'.repeat(100)], [22, 'y'.repeat(70), 'short']]);
    const [header, rule, first, second] = table.split('\n');
    expect(header).toBe(`ID  NAME${' '.repeat(56)}  ERROR`);
    expect(rule.startsWith('--  ----')).toBe(true);
    expect(first).toContain('x'.repeat(100));
    expect(second).toContain(`${'y'.repeat(57)}...`);
    expect([formatAge(30), formatAge(600), formatAge(7200 * 3), formatAge(86_400 * 3)]).toEqual(['30 s', '10 min', '6 h', '3 d']);
  });

  it('targets the webhook routes of a receiver URL', () => {
    expect(webhookBase('http://localhost:3000')).toBe('http://localhost:3000/tradecloud/webhooks');
    expect(webhookBase('https://hooks.example.com/erp/tc/')).toBe('https://hooks.example.com/erp/tc');
    expect(() => webhookBase('localhost')).toThrow('--url must be');
  });

  it('finds credentials: options, then the receiver variables, then the development credentials of npm start', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-cli-auth-'));
    try {
      writeFileSync(path.join(dataDir, 'credentials.json'), JSON.stringify({ basic: { username: 'tradecloud', password: 'dev-password-123456' }, bearerToken: 'tcdev_x' }));
      const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      expect(await resolveAuth({}, { DATA_DIR: dataDir })).toEqual({ authorization: basic('tradecloud', 'dev-password-123456'), description: 'Basic user "tradecloud"' });
      expect((await resolveAuth({ auth: 'bearer' }, { DATA_DIR: dataDir })).authorization).toBe('Bearer tcdev_x');
      expect((await resolveAuth({}, { DATA_DIR: dataDir, WEBHOOK_BASIC_USERNAME: 'u', WEBHOOK_BASIC_PASSWORD: 'p' })).authorization).toBe(basic('u', 'p'));
      expect((await resolveAuth({ username: 'a', password: 'b' }, { DATA_DIR: dataDir })).authorization).toBe(basic('a', 'b'));
      expect((await resolveAuth({ token: 't' }, {})).authorization).toBe('Bearer t');
      expect(await resolveAuth({ auth: 'none' }, { DATA_DIR: dataDir })).toEqual({ description: 'no credentials' });
      await expect(resolveAuth({ auth: 'oauth', tokenUrl: 'http://127.0.0.1:1/token' }, {})).rejects.toThrow('--auth oauth needs');
      await expect(resolveAuth({ auth: 'digest' }, {})).rejects.toThrow('--auth must be basic, bearer, oauth or none');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps metric label values bounded', () => {
    expect(eventNameLabel('OrderIssuedByBuyer')).toBe('OrderIssuedByBuyer');
    expect(eventNameLabel(null)).toBe('none');
    expect(eventNameLabel('<script>')).toBe('other');
    expect(eventNameLabel(`A${'b'.repeat(200)}`)).toBe('other');
  });
});
