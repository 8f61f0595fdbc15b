/** What the simulator serves; also the labels of its request log. API routes match the client's endpoint labels. */
export type SimulatorRoute =
  | 'auth.login'
  | 'auth.refresh'
  | 'auth.logout'
  | 'order.get'
  | 'shipment.get'
  | 'order.poll'
  | 'order.poll-single-delivery'
  | 'shipment.poll'
  | 'document.metadata'
  | 'document.proxy'
  | 's3'
  | 'partner'
  | 'redirect'
  | 'unknown';

/** The routes under `/v2` (what "the Tradecloud API is down" affects; not S3, not partners). */
export const API_ROUTES: readonly SimulatorRoute[] = [
  'auth.login',
  'auth.refresh',
  'auth.logout',
  'order.get',
  'shipment.get',
  'order.poll',
  'order.poll-single-delivery',
  'shipment.poll',
  'document.metadata',
  'document.proxy',
];

/**
 * A fault the simulator injects into matching requests, before its normal handling.
 * Without `status` and `resetConnection` it only delays (slow answer), then answers normally.
 */
export interface FaultRule {
  /** Routes it applies to. Default: every route. */
  route?: SimulatorRoute | readonly SimulatorRoute[];
  /** Only requests whose path (with query) starts with this. */
  pathPrefix?: string;
  /** How many matching requests it affects, then it retires. Default: unlimited (until removed). */
  times?: number;
  /** Answer this status instead of the normal answer. */
  status?: number;
  /** `Retry-After` header value (seconds, or an HTTP date). */
  retryAfter?: string | number;
  /** Body of the fault answer. Default: a small JSON error. */
  body?: string;
  /** Wait this long before answering (normally or with the fault). */
  delayMs?: number;
  /** Drop the connection without an answer (a network error on the client's side). */
  resetConnection?: boolean;
}

/** A fault in force. `hits` counts the requests it affected. */
export interface FaultHandle {
  readonly rule: FaultRule;
  readonly hits: number;
  /** Whether it still applies (false once `times` is spent or it was removed). */
  readonly active: boolean;
  remove(): void;
}

class ActiveFault implements FaultHandle {
  hits = 0;
  removed = false;

  constructor(
    readonly rule: FaultRule,
    private readonly list: ActiveFault[],
  ) {}

  get active(): boolean {
    return !this.removed && (this.rule.times === undefined || this.hits < this.rule.times);
  }

  matches(route: SimulatorRoute, path: string): boolean {
    if (!this.active) return false;
    const routes = this.rule.route === undefined ? undefined : ([] as SimulatorRoute[]).concat(this.rule.route);
    if (routes && !routes.includes(route)) return false;
    return this.rule.pathPrefix === undefined || path.startsWith(this.rule.pathPrefix);
  }

  remove(): void {
    this.removed = true;
    const index = this.list.indexOf(this);
    if (index >= 0) this.list.splice(index, 1);
  }
}

/** The faults in force, first added first matched. */
export class FaultRules {
  private readonly faults: ActiveFault[] = [];

  add(rule: FaultRule): FaultHandle {
    const fault = new ActiveFault(rule, this.faults);
    this.faults.push(fault);
    return fault;
  }

  /** The fault that takes this request (counted as a hit), or undefined. */
  take(route: SimulatorRoute, path: string): FaultRule | undefined {
    const fault = this.faults.find((candidate) => candidate.matches(route, path));
    if (!fault) return undefined;
    fault.hits++;
    if (!fault.active) fault.remove();
    return fault.rule;
  }

  clear(): void {
    for (const fault of [...this.faults]) fault.remove();
  }
}
