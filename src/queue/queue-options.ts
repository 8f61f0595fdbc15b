/** Background processing settings (pg-boss on the module's own PostgreSQL). */
export interface TradecloudQueueOptions {
  /** Events processed at the same time by this instance (events of one order are still serialised). Default `4`. */
  concurrency?: number;
  /** Processing attempts of one event before it is marked `dead` (kept for replay). Default `8`. */
  attempts?: number;
  /** First retry delay in seconds; doubles with each attempt (with jitter). Default `2`. */
  retryDelaySeconds?: number;
  /** A job running longer than this is considered lost and retried. Default `300`. */
  jobTimeoutSeconds?: number;
  /** How often an idle worker looks for work, in seconds (new events also wake it at once). Default `1`. */
  pollingIntervalSeconds?: number;
  /** Run workers in this instance. `false`: only receive (another instance processes). Default `true`. */
  workers?: boolean;
}

export interface ResolvedQueueOptions {
  concurrency: number;
  attempts: number;
  retryDelaySeconds: number;
  jobTimeoutSeconds: number;
  pollingIntervalSeconds: number;
  workers: boolean;
}

export function resolveQueueOptions(options: TradecloudQueueOptions | undefined, problems: string[]): ResolvedQueueOptions {
  const integer = (name: keyof TradecloudQueueOptions, fallback: number, min: number) => {
    const value = options?.[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problems.push(`"queue.${name}" must be an integer of at least ${min}, got ${String(value)}`);
      return fallback;
    }
    return value;
  };
  const polling = options?.pollingIntervalSeconds ?? 1;
  if (typeof polling !== 'number' || polling < 0.5) {
    problems.push(`"queue.pollingIntervalSeconds" must be at least 0.5, got ${String(polling)}`);
  }
  return {
    concurrency: integer('concurrency', 4, 1),
    attempts: integer('attempts', 8, 1),
    retryDelaySeconds: integer('retryDelaySeconds', 2, 1),
    jobTimeoutSeconds: integer('jobTimeoutSeconds', 300, 5),
    pollingIntervalSeconds: typeof polling === 'number' && polling >= 0.5 ? polling : 1,
    workers: options?.workers ?? true,
  };
}
