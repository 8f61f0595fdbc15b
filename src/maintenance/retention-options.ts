/**
 * How long the receiver keeps what grows with every webhook, and how often it tidies up.
 * Durations are a number with a unit: `90s`, `15m`, `12h`, `30d` (or a number of seconds);
 * `'off'` (or `false`) keeps that data forever. Age is counted from when an event was settled
 * (processed or stale; received for dead and rejected events), so an event replayed late keeps
 * its body for the full retention after its new processing.
 */
export interface TradecloudRetentionOptions {
  /**
   * Bodies of processed and stale events are removed this long after processing; the row stays
   * (kind, entity, message id, idempotency key, statuses, times, outcome), so a redelivery is
   * still answered as a duplicate. Pending and failed events always keep their body. Default `'30d'`.
   */
  eventBodies?: string | number | false;
  /**
   * Whole event rows (processed, stale, dead, rejected) are deleted this long after they were
   * settled. Until then the row's idempotency key answers a very late redelivery as a
   * duplicate. Must not be shorter than `eventBodies` or `failedEventBodies`. Default `'400d'`.
   */
  eventRows?: string | number | false;
  /**
   * Dead and rejected events keep their body (what an operator must look at) until they are
   * replayed or until this long after receipt. Default `'90d'`.
   */
  failedEventBodies?: string | number | false;
  /** Rows of the `changes` history older than this are deleted. Default `'off'` (kept forever). */
  changes?: string | number | false;
  /**
   * Remove document content that no document row references any more (it is left alone for a
   * day after it was stored, while a download may still be linking it). Default `true`.
   */
  orphanedDocumentContent?: boolean;
  /**
   * How often a maintenance pass runs (one instance at a time, under a lease in the database).
   * `'off'`: this instance never starts one (another instance, or `tradecloud prune`, does).
   * Default `'1h'`.
   */
  maintenanceInterval?: string | number | false;
  /**
   * Rows changed per statement (each its own short transaction), so intake never waits behind
   * maintenance. Default `1000`.
   */
  batchSize?: number;
}

/** {@link TradecloudRetentionOptions} with defaults filled in; durations in seconds, `null` = off. */
/** Injection token of the retention slice of the resolved options ({@link ResolvedRetentionOptions}), provided by its feature module. */
export const TRADECLOUD_RETENTION_OPTIONS = 'TRADECLOUD_RETENTION_OPTIONS';

export interface ResolvedRetentionOptions {
  eventBodiesSeconds: number | null;
  eventRowsSeconds: number | null;
  failedEventBodiesSeconds: number | null;
  changesSeconds: number | null;
  orphanedDocumentContent: boolean;
  maintenanceIntervalSeconds: number | null;
  batchSize: number;
}

export const RETENTION_DEFAULTS = {
  eventBodies: '30d',
  eventRows: '400d',
  failedEventBodies: '90d',
  changes: 'off',
  orphanedDocumentContent: true,
  maintenanceInterval: '1h',
  batchSize: 1000,
} as const;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
/** Longer than any sensible retention (100 years); keeps interval arithmetic in range. */
const MAX_SECONDS = 100 * 365 * 86_400;

/**
 * Seconds of a duration (`90s`, `15m`, `12h`, `30d`, `2w`, or plain seconds), `null` for `off`
 * (or `false`), `undefined` when it does not parse.
 */
export function parseDuration(value: string | number | false): number | null | undefined {
  if (value === false) return null;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= MAX_SECONDS ? value : undefined;
  const text = String(value).trim().toLowerCase();
  if (text === 'off') return null;
  const match = /^(\d{1,12})\s*([smhdw]?)$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  return seconds >= 1 && seconds <= MAX_SECONDS ? seconds : undefined;
}

/** A duration in the units an operator would write (`30d`, `12h`, `90s`). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return 'off';
  for (const unit of ['w', 'd', 'h', 'm'] as const) if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  return `${seconds}s`;
}

const DURATION_HINT = 'a duration such as 90s, 12h or 30d, or off';

/** Names used in messages: the module option, or the environment variable it came from. */
export interface RetentionOptionNames {
  eventBodies: string;
  eventRows: string;
  failedEventBodies: string;
  changes: string;
  maintenanceInterval: string;
  batchSize: string;
  orphanedDocumentContent: string;
}

const OPTION_NAMES: RetentionOptionNames = {
  eventBodies: '"retention.eventBodies"',
  eventRows: '"retention.eventRows"',
  failedEventBodies: '"retention.failedEventBodies"',
  changes: '"retention.changes"',
  maintenanceInterval: '"retention.maintenanceInterval"',
  batchSize: '"retention.batchSize"',
  orphanedDocumentContent: '"retention.orphanedDocumentContent"',
};

export function resolveRetentionOptions(
  options: TradecloudRetentionOptions | undefined,
  problems: string[],
  names: RetentionOptionNames = OPTION_NAMES,
): ResolvedRetentionOptions {
  const duration = (key: 'eventBodies' | 'eventRows' | 'failedEventBodies' | 'changes' | 'maintenanceInterval') => {
    const value = options?.[key] ?? RETENTION_DEFAULTS[key];
    const seconds = typeof value === 'string' || typeof value === 'number' || value === false ? parseDuration(value) : undefined;
    if (seconds === undefined) {
      problems.push(`${names[key]} must be ${DURATION_HINT}, got "${String(value)}"`);
      return parseDuration(RETENTION_DEFAULTS[key]) as number | null;
    }
    return seconds;
  };
  const resolved: ResolvedRetentionOptions = {
    eventBodiesSeconds: duration('eventBodies'),
    eventRowsSeconds: duration('eventRows'),
    failedEventBodiesSeconds: duration('failedEventBodies'),
    changesSeconds: duration('changes'),
    orphanedDocumentContent: options?.orphanedDocumentContent ?? RETENTION_DEFAULTS.orphanedDocumentContent,
    maintenanceIntervalSeconds: duration('maintenanceInterval'),
    batchSize: options?.batchSize ?? RETENTION_DEFAULTS.batchSize,
  };
  if (typeof resolved.orphanedDocumentContent !== 'boolean') {
    problems.push(`${names.orphanedDocumentContent} must be true or false, got ${String(resolved.orphanedDocumentContent)}`);
    resolved.orphanedDocumentContent = RETENTION_DEFAULTS.orphanedDocumentContent;
  }
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1 || resolved.batchSize > 100_000) {
    problems.push(`${names.batchSize} must be an integer from 1 to 100000, got ${String(resolved.batchSize)}`);
    resolved.batchSize = RETENTION_DEFAULTS.batchSize;
  }
  // A row deleted before its body would be retained makes the shorter body retention meaningless:
  // almost always a typo (400d vs 40d), so it is refused rather than silently reinterpreted.
  const rows = resolved.eventRowsSeconds;
  if (rows !== null) {
    for (const key of ['eventBodies', 'failedEventBodies'] as const) {
      const body = resolved[`${key}Seconds`];
      if (body === null || body > rows) {
        problems.push(`${names.eventRows} (${formatDuration(rows)}) must not be shorter than ${names[key]} (${formatDuration(body)}): rows would be deleted before their bodies`);
      }
    }
  }
  return resolved;
}

/** Environment variables of the standalone service and the CLI, by option. */
export const RETENTION_ENVIRONMENT: RetentionOptionNames = {
  eventBodies: 'EVENTS_BODY_RETENTION',
  eventRows: 'EVENTS_ROW_RETENTION',
  failedEventBodies: 'EVENTS_FAILED_RETENTION',
  changes: 'CHANGES_RETENTION',
  maintenanceInterval: 'MAINTENANCE_INTERVAL',
  batchSize: 'MAINTENANCE_BATCH_SIZE',
  orphanedDocumentContent: 'DOCUMENTS_ORPHAN_CLEANUP',
};

/**
 * The `retention` options from `EVENTS_BODY_RETENTION`, `EVENTS_ROW_RETENTION`,
 * `EVENTS_FAILED_RETENTION`, `CHANGES_RETENTION`, `MAINTENANCE_INTERVAL`,
 * `MAINTENANCE_BATCH_SIZE` and `DOCUMENTS_ORPHAN_CLEANUP`; unset variables keep the defaults.
 * Problems name the variable.
 */
export function readRetentionEnvironment(env: Record<string, string | undefined>, problems: string[]): TradecloudRetentionOptions {
  const raw = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const options: TradecloudRetentionOptions = {
    eventBodies: raw(RETENTION_ENVIRONMENT.eventBodies),
    eventRows: raw(RETENTION_ENVIRONMENT.eventRows),
    failedEventBodies: raw(RETENTION_ENVIRONMENT.failedEventBodies),
    changes: raw(RETENTION_ENVIRONMENT.changes),
    maintenanceInterval: raw(RETENTION_ENVIRONMENT.maintenanceInterval),
  };
  const batch = raw(RETENTION_ENVIRONMENT.batchSize);
  if (batch !== undefined) options.batchSize = /^\d+$/.test(batch) ? Number(batch) : NaN;
  const orphans = raw(RETENTION_ENVIRONMENT.orphanedDocumentContent)?.toLowerCase();
  if (orphans !== undefined) {
    if (['true', '1', 'yes', 'on'].includes(orphans)) options.orphanedDocumentContent = true;
    else if (['false', '0', 'no', 'off'].includes(orphans)) options.orphanedDocumentContent = false;
    else problems.push(`${RETENTION_ENVIRONMENT.orphanedDocumentContent} must be true or false, got "${orphans}"`);
  }
  // Checked here as well, so that a wrong variable stops the start naming the variable.
  const own: string[] = [];
  resolveRetentionOptions(options, own, RETENTION_ENVIRONMENT);
  problems.push(...own.map((problem) => problem.replace(/, got NaN$/, `, got "${batch}"`)));
  return options;
}
