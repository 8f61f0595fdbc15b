/** Background processing settings (pg-boss on the module's own PostgreSQL). */
export interface TradecloudQueueOptions {
  /**
   * Worker loops of this instance per queue: event batches applied at the same time (events of one
   * order are still applied one at a time, in arrival order), and domain-event deliveries and
   * document downloads run at the same time. Default `2`: on the 2-core machine of the benchmark,
   * two loops drained twice as fast as four (the batches' transactions competed for PostgreSQL's
   * CPU; see bench/ANALYSIS.md).
   */
  concurrency?: number;
  /**
   * Most events one worker applies in one transaction. A worker takes one event at a time while the
   * inbox is nearly empty (low latency) and doubles up to this while a backlog lasts (fewer
   * statements and commits per event). Default `32` (the fastest drain measured; larger batches
   * cost PostgreSQL more CPU per event, see bench/ANALYSIS.md).
   */
  batchSize?: number;
  /**
   * Most body text the workers of this instance hold at once, in bytes: the bodies of the batches
   * they have claimed and not finished (as intake stored them: for tXML, the JSON conversion). A
   * claim stops short of it, so a backlog of large orders is worked a few at a time instead of 32
   * parsed trees at once (a 5,000-line order is 12 MB of text and about 80 MB parsed); a single
   * body larger than this is claimed alone, once no other batch holds bodies. Small events are not
   * held back by it (32 ten-line order events are 0.7 MB). Default `16777216` (16 MiB).
   */
  batchBodyBytes?: number;
  /** Processing attempts of one event before it is marked `dead` (kept for replay). Default `8`. */
  attempts?: number;
  /** First retry delay in seconds; doubles with each attempt (with jitter). Default `2`. */
  retryDelaySeconds?: number;
  /**
   * A domain-event delivery job still `active` after this many seconds is taken to
   * be lost (its process was killed, or it lost the database before it could record the
   * outcome) and is handed out again. Processing one event takes milliseconds, a GET webhook's
   * fetch at most a few API timeouts, so the default leaves a wide margin while a crashed
   * instance's events resume within about a minute and a half (this plus
   * `maintenanceIntervalSeconds`). Document downloads have their own, longer timeout
   * (`documents.jobTimeoutSeconds`). Default `60`.
   */
  jobTimeoutSeconds?: number;
  /**
   * How often the queue looks for jobs past their timeout (and archives finished ones), in
   * seconds. One instance does it per interval, whatever the number of instances. Default `30`.
   */
  maintenanceIntervalSeconds?: number;
  /** How often an idle worker looks for work, in seconds (new events also wake it at once). Default `1`. */
  pollingIntervalSeconds?: number;
  /** Run workers in this instance. `false`: only receive (another instance processes). Default `true`. */
  workers?: boolean;
}

export interface ResolvedQueueOptions {
  concurrency: number;
  batchSize: number;
  batchBodyBytes: number;
  attempts: number;
  retryDelaySeconds: number;
  jobTimeoutSeconds: number;
  maintenanceIntervalSeconds: number;
  pollingIntervalSeconds: number;
  workers: boolean;
}

export const QUEUE_DEFAULTS = {
  concurrency: 2,
  batchSize: 32,
  batchBodyBytes: 16 * 1024 * 1024,
  attempts: 8,
  retryDelaySeconds: 2,
  jobTimeoutSeconds: 60,
  maintenanceIntervalSeconds: 30,
  pollingIntervalSeconds: 1,
  workers: true,
} as const satisfies ResolvedQueueOptions;

/** 1 GiB: more than any instance should hold (a body is at most 50 MB). */
export const MAX_BATCH_BODY_BYTES = 1024 * 1024 * 1024;

export function resolveQueueOptions(options: TradecloudQueueOptions | undefined, problems: string[]): ResolvedQueueOptions {
  const integer = (name: keyof TradecloudQueueOptions, min: number, max: number = 86_400) => {
    const value = options?.[name];
    const fallback = QUEUE_DEFAULTS[name] as number;
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`"queue.${name}" must be an integer from ${min} to ${max}, got ${String(value)}`);
      return fallback;
    }
    return value;
  };
  const polling = options?.pollingIntervalSeconds ?? QUEUE_DEFAULTS.pollingIntervalSeconds;
  if (typeof polling !== 'number' || !(polling >= 0.5)) {
    problems.push(`"queue.pollingIntervalSeconds" must be at least 0.5, got ${String(polling)}`);
  }
  const workers = options?.workers ?? QUEUE_DEFAULTS.workers;
  if (typeof workers !== 'boolean') problems.push(`"queue.workers" must be true or false, got ${String(workers)}`);
  return {
    concurrency: integer('concurrency', 1, 1000),
    batchSize: integer('batchSize', 1, 1000),
    batchBodyBytes: integer('batchBodyBytes', 65_536, MAX_BATCH_BODY_BYTES),
    attempts: integer('attempts', 1, 1000),
    retryDelaySeconds: integer('retryDelaySeconds', 1, 3600),
    jobTimeoutSeconds: integer('jobTimeoutSeconds', 5),
    maintenanceIntervalSeconds: integer('maintenanceIntervalSeconds', 1, 3600),
    pollingIntervalSeconds: typeof polling === 'number' && polling >= 0.5 ? polling : QUEUE_DEFAULTS.pollingIntervalSeconds,
    workers: typeof workers === 'boolean' ? workers : QUEUE_DEFAULTS.workers,
  };
}
