import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../standalone/environment';
import { resolveTradecloudOptions } from '../options/resolved-options';
import { formatDuration, parseDuration, readRetentionEnvironment, resolveRetentionOptions } from './retention-options';

describe('retention durations', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['12h', 43_200],
    ['30d', 2_592_000],
    ['2w', 1_209_600],
    ['3600', 3600],
    [' 1S ', 1],
    ['off', null],
    ['OFF', null],
  ])('parses %s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '30 days', '1.5h', '-1d', '0s', 'd', '30y', '1e3', '999999999999d'])('refuses %o', (text) => expect(parseDuration(text)).toBeUndefined());

  it('formats durations as they are written', () => {
    expect([30 * 86_400, 400 * 86_400, 43_200, 90, 1_209_600, null].map(formatDuration)).toEqual(['30d', '400d', '12h', '90s', '2w', 'off']);
  });

  it('defaults: bodies 30d, rows 400d, failed bodies 90d, changes kept, a pass every hour', () => {
    const problems: string[] = [];
    expect(resolveRetentionOptions(undefined, problems)).toEqual({
      eventBodiesSeconds: 30 * 86_400,
      eventRowsSeconds: 400 * 86_400,
      failedEventBodiesSeconds: 90 * 86_400,
      changesSeconds: null,
      orphanedDocumentContent: true,
      maintenanceIntervalSeconds: 3600,
      batchSize: 1000,
    });
    expect(problems).toEqual([]);
  });

  it('module options: a wrong value is a start-up error naming the option', () => {
    const start = (retention: object) => () => resolveTradecloudOptions({ database: { url: 'postgres://localhost/db' }, retention } as never);
    expect(start({ eventBodies: '30 days' })).toThrow(/"retention.eventBodies" must be a duration such as 90s, 12h or 30d, or off, got "30 days"/);
    expect(start({ eventRows: '10d' })).toThrow(/"retention.eventRows" \(10d\) must not be shorter than "retention.eventBodies" \(30d\)/);
    expect(start({ eventBodies: false, eventRows: '400d' })).toThrow(/"retention.eventRows" \(400d\) must not be shorter than "retention.eventBodies" \(off\)/);
    expect(start({ batchSize: 0 })).toThrow(/"retention.batchSize" must be an integer from 1 to 100000/);
    expect(start({ eventBodies: 1, eventRows: false, failedEventBodies: '1s', changes: '1d' })).not.toThrow();
  });
});

describe('retention environment variables', () => {
  const env = (vars: Record<string, string>) => readEnvironment({ DATABASE_URL: 'postgres://localhost/db', ...vars }, '/srv');

  it('reads every variable', () => {
    const problems: string[] = [];
    expect(
      readRetentionEnvironment(
        { EVENTS_BODY_RETENTION: '7d', EVENTS_ROW_RETENTION: 'off', EVENTS_FAILED_RETENTION: '30d', CHANGES_RETENTION: '730d', MAINTENANCE_INTERVAL: '15m', MAINTENANCE_BATCH_SIZE: '200', DOCUMENTS_ORPHAN_CLEANUP: 'false' },
        problems,
      ),
    ).toEqual({ eventBodies: '7d', eventRows: 'off', failedEventBodies: '30d', changes: '730d', maintenanceInterval: '15m', batchSize: 200, orphanedDocumentContent: false });
    expect(problems).toEqual([]);
    expect(env({}).retention).toEqual({});
  });

  it.each([
    [{ EVENTS_BODY_RETENTION: '30 days' }, 'Configuration error: EVENTS_BODY_RETENTION must be a duration such as 90s, 12h or 30d, or off, got "30 days"'],
    [{ EVENTS_ROW_RETENTION: 'forever' }, 'Configuration error: EVENTS_ROW_RETENTION must be a duration such as 90s, 12h or 30d, or off, got "forever"'],
    [{ EVENTS_FAILED_RETENTION: '-5d' }, 'Configuration error: EVENTS_FAILED_RETENTION must be a duration'],
    [{ CHANGES_RETENTION: '1y' }, 'Configuration error: CHANGES_RETENTION must be a duration'],
    [{ MAINTENANCE_INTERVAL: 'hourly' }, 'Configuration error: MAINTENANCE_INTERVAL must be a duration'],
    [{ MAINTENANCE_BATCH_SIZE: 'lots' }, 'Configuration error: MAINTENANCE_BATCH_SIZE must be an integer from 1 to 100000, got "lots"'],
    [{ EVENTS_ROW_RETENTION: '20d' }, 'Configuration error: EVENTS_ROW_RETENTION (20d) must not be shorter than EVENTS_BODY_RETENTION (30d)'],
    [{ DOCUMENTS_ORPHAN_CLEANUP: 'maybe' }, 'Configuration error: DOCUMENTS_ORPHAN_CLEANUP must be true or false, got "maybe"'],
  ])('%o stops the start naming the variable', (vars, message) => {
    expect(() => env(vars)).toThrow(message);
  });
});
