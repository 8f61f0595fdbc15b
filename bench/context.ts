import path from 'node:path';
import { BenchDatabase } from './database';
import { Inbox } from './inbox';
import { basicAuthorization, Target } from './load';
import { BenchProfile } from './options';
import { cpuMs } from './memory';
import { BenchProcess, receiverMain, startReceiver } from './processes';
import { fmt } from './stats';

/** CPU used by a server process and by the (embedded) PostgreSQL over a window, in milliseconds. */
export interface CpuCost {
  serverMs: number;
  /** NaN with DATABASE_URL. */
  postgresMs: number;
}

/** "4.1 ms + 2.3 ms" per unit: server + PostgreSQL CPU (PostgreSQL only with the embedded server). */
export function perUnit(cost: CpuCost, units: number): string {
  if (!units || !Number.isFinite(cost.serverMs)) return 'n/a';
  const server = `${fmt(cost.serverMs / units, 2)} ms`;
  if (!Number.isFinite(cost.postgresMs)) return server;
  // A backend that exits during the window takes its CPU out of the sum until the postmaster has
  // reaped it (then it is counted in the postmaster's cutime): an idle pooled connection closing
  // right before the last reading made this negative once. No figure rather than a wrong one.
  return cost.postgresMs >= 0 ? `${server} + ${fmt(cost.postgresMs / units, 2)} ms` : `${server} + PostgreSQL not measured (a server process ended during the window)`;
}

/** One table row of a scenario: our figure, the baseline's, the ratio, the target and whether it is met. */
export interface Row {
  metric: string;
  value: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  /** undefined: no target; null: target not measured (scenario unavailable or failed). */
  met?: boolean | null;
}

export interface ScenarioReport {
  id: string;
  title: string;
  /** What was done, in one or two sentences (counts, durations, body sizes). */
  setup: string;
  rows: Row[];
  notes: string[];
}

/** A running receiver with its own schema. */
export interface Receiver {
  process: BenchProcess;
  schema: string;
  measured: boolean;
  inbox: Inbox;
  target(path: 'orders' | 'shipments'): Target;
}

export interface ReceiverExtras {
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Not part of "RSS throughout" (the profiled receiver carries the profiler's memory). */
  unmeasured?: boolean;
}

/** What every scenario gets: the database, the credentials, the size profile and logging. */
export class BenchContext {
  readonly basic = { username: 'tradecloud-bench', password: `bench-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}` };
  readonly authorization = basicAuthorization(this.basic.username, this.basic.password);
  /** Highest RSS of any measured receiver over its life (receivers with extras.unmeasured excluded). */
  receiverPeakRssBytes = 0;

  constructor(
    readonly profile: BenchProfile,
    readonly db: BenchDatabase,
    /** Scratch folder of the run: receivers' DATA_DIR, CPU profiles. */
    readonly workDir: string,
    readonly log: (line: string) => void,
    private readonly signal: AbortSignal,
    /** Where the profile scenario copies its CPU profiles (`--keep-profiles`); none by default. */
    readonly keepProfilesDir?: string,
  ) {}

  aborted(): boolean {
    return this.signal.aborted;
  }

  throwIfAborted(): void {
    if (this.signal.aborted) throw new Error('Benchmark interrupted');
  }

  /** Starts measuring the CPU of process `pid` and of PostgreSQL; the returned function reads the cost so far. */
  cpuMeter(pid: number): () => CpuCost {
    const server = cpuMs(pid);
    const postgres = this.db.postgresCpuMs();
    return () => ({ serverMs: cpuMs(pid) - server, postgresMs: this.db.postgresCpuMs() - postgres });
  }

  /** Starts the compiled receiver on a fresh schema (migrations run at its start). */
  async startReceiver(label: string, extras: ReceiverExtras = {}): Promise<Receiver> {
    this.throwIfAborted();
    const schema = this.db.newSchema(label);
    const started = Date.now();
    const process = await startReceiver({
      main: receiverMain(),
      databaseUrl: this.db.url,
      schema,
      basic: this.basic,
      dataDir: path.join(this.workDir, `data-${schema}`),
      env: extras.env,
      nodeArgs: extras.nodeArgs,
    });
    this.log(`  receiver for ${label} listening on ${process.url} (pid ${process.pid}, started in ${Date.now() - started} ms)`);
    const authorization = this.authorization;
    return {
      process,
      schema,
      measured: !extras.unmeasured,
      inbox: new Inbox(this.db.pool, schema),
      target: (route) => ({ url: process.url, path: `/tradecloud/webhooks/${route}`, authorization }),
    };
  }

  /** Stops a receiver (graceful, SIGKILL after 30 s) and drops its schema to keep the database small. */
  async stopReceiver(receiver: Receiver, dropSchema = true): Promise<void> {
    if (receiver.measured) this.receiverPeakRssBytes = Math.max(this.receiverPeakRssBytes, receiver.process.memory.lifePeakBytes());
    const code = await receiver.process.stop();
    if (code !== 0) this.log(`  receiver exited with ${code}:\n${receiver.process.logTail(15)}`);
    if (dropSchema) await this.db.dropSchema(receiver.schema).catch(() => undefined);
  }
}
