/** How big each scenario is: the full benchmark, `--quick` (under 2 minutes) and `--smoke` (the test). */
export type BenchMode = 'full' | 'quick' | 'smoke';

export interface BenchProfile {
  mode: BenchMode;
  /** Unmeasured load on every fresh server first (see warmup.ts). */
  warmup: { durationS: number; connections: number };
  /** Closed-loop ingest: autocannon, `connections` connections for `durationS`. */
  ingest: { connections: number; durationS: number; maxRequests: number; orders: number };
  /** Open-loop ingest at a fixed rate: ack latency. Requests still unanswered `graceS` after the last send count as errors. */
  fixedRate: { rate: number; durationS: number; graceS: number };
  /** Drain rate of pre-stored events (workers start on a full queue). */
  processing: {
    orderEvents: number;
    orders: number;
    orderLines: number;
    shipmentEvents: number;
    shipments: number;
    shipmentLines: number;
    timeoutS: number;
  };
  /** Receipt-to-processed time at a fixed offered rate. */
  lag: { rate: number; durationS: number; orders: number; timeoutS: number };
  largeOrder: { lines: number; scheduleEntries: number; timeoutS: number };
  /** `count` documents of `sizeBytes` served by the Tradecloud simulator; 0 skips the scenario. */
  documents: { count: number; sizeBytes: number; timeoutS: number; noProgressS: number };
  /** The profiled pass (CPU profile + SQL round trips); 0 skips it. */
  profile: { drainEvents: number; ingestS: number };
  /** Prune the bodies of `storedEvents` old events while `rate`/s arrive for `durationS`; capacity from `orderEvents` processed over `orders` orders. */
  maintenance: { storedEvents: number; rate: number; durationS: number; orderEvents: number; orders: number; timeoutS: number };
  /** `tradecloud sync` of `orders` orders of `lines` lines from the Tradecloud simulator; 0 skips the scenario. */
  backfill: { orders: number; lines: number; timeoutS: number };
  /** README SQL cookbook queries on `orders` generated orders (3 lines, 24 delivery rows each), each timed `runs` times. */
  sqlCookbook: { orders: number; runs: number };
}

const FULL: BenchProfile = {
  mode: 'full',
  warmup: { durationS: 3, connections: 10 },
  ingest: { connections: 50, durationS: 20, maxRequests: 400_000, orders: 500 },
  fixedRate: { rate: 500, durationS: 20, graceS: 15 },
  processing: { orderEvents: 20_000, orders: 2_000, orderLines: 10, shipmentEvents: 20_000, shipments: 2_000, shipmentLines: 50, timeoutS: 300 },
  lag: { rate: 200, durationS: 30, orders: 500, timeoutS: 180 },
  largeOrder: { lines: 5_000, scheduleEntries: 3, timeoutS: 120 },
  documents: { count: 200, sizeBytes: 1024 * 1024, timeoutS: 180, noProgressS: 20 },
  profile: { drainEvents: 4_000, ingestS: 10 },
  maintenance: { storedEvents: 200_000, rate: 200, durationS: 30, orderEvents: 2_000, orders: 200, timeoutS: 180 },
  backfill: { orders: 10_000, lines: 10, timeoutS: 300 },
  sqlCookbook: { orders: 50_000, runs: 5 },
};

const QUICK: BenchProfile = {
  mode: 'quick',
  warmup: { durationS: 1, connections: 10 },
  ingest: { connections: 50, durationS: 3, maxRequests: 80_000, orders: 200 },
  fixedRate: { rate: 500, durationS: 2, graceS: 5 },
  processing: { orderEvents: 400, orders: 40, orderLines: 10, shipmentEvents: 100, shipments: 20, shipmentLines: 50, timeoutS: 20 },
  lag: { rate: 200, durationS: 2, orders: 200, timeoutS: 15 },
  largeOrder: { lines: 1_000, scheduleEntries: 3, timeoutS: 20 },
  documents: { count: 20, sizeBytes: 1024 * 1024, timeoutS: 20, noProgressS: 8 },
  profile: { drainEvents: 200, ingestS: 2 },
  maintenance: { storedEvents: 20_000, rate: 200, durationS: 5, orderEvents: 400, orders: 40, timeoutS: 30 },
  backfill: { orders: 1_000, lines: 10, timeoutS: 120 },
  sqlCookbook: { orders: 5_000, runs: 3 },
};

const SMOKE: BenchProfile = {
  mode: 'smoke',
  warmup: { durationS: 0, connections: 4 },
  ingest: { connections: 4, durationS: 1, maxRequests: 400, orders: 10 },
  fixedRate: { rate: 50, durationS: 1, graceS: 10 },
  processing: { orderEvents: 60, orders: 10, orderLines: 10, shipmentEvents: 10, shipments: 5, shipmentLines: 50, timeoutS: 15 },
  lag: { rate: 40, durationS: 1, orders: 10, timeoutS: 15 },
  largeOrder: { lines: 100, scheduleEntries: 3, timeoutS: 15 },
  documents: { count: 0, sizeBytes: 0, timeoutS: 0, noProgressS: 0 },
  profile: { drainEvents: 0, ingestS: 0 },
  maintenance: { storedEvents: 1_000, rate: 40, durationS: 1, orderEvents: 60, orders: 10, timeoutS: 15 },
  backfill: { orders: 0, lines: 0, timeoutS: 0 },
  sqlCookbook: { orders: 500, runs: 1 },
};

export function benchProfile(mode: BenchMode): BenchProfile {
  return mode === 'full' ? FULL : mode === 'quick' ? QUICK : SMOKE;
}

export interface BenchArgs {
  mode: BenchMode;
  /** Where the Markdown report goes. */
  out: string;
  /** Only these scenarios (`--only ingest,lag`); default all. */
  only?: string[];
  /** `--render`: no run, rewrite the report from the figures the last run of all scenarios in this mode saved (e.g. after editing bench/ANALYSIS.md); a run with `--only` saves its own. */
  renderOnly: boolean;
  /** `--keep-profiles DIR`: the profile scenario's V8 CPU profiles (one per window) are copied there, to open in Chrome DevTools or analyse by script. */
  keepProfiles?: string;
}

export const SCENARIO_NAMES = ['ingest', 'processing', 'lag', 'large-order', 'documents', 'profile', 'maintenance', 'backfill', 'sql-cookbook'] as const;

/** `--quick`, `--smoke`, `--out FILE`, `--only a,b`, `--keep-profiles DIR`. Full mode writes BENCHMARKS.md; the others a file under dist-bench/. */
export function parseArgs(argv: string[]): BenchArgs {
  let mode: BenchMode = 'full';
  let out: string | undefined;
  let only: string[] | undefined;
  let renderOnly = false;
  let keepProfiles: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--smoke') mode = 'smoke';
    else if (arg === '--render') renderOnly = true;
    else if (arg === '--out') out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice(6);
    else if (arg === '--only') only = argv[++i]?.split(',');
    else if (arg.startsWith('--only=')) only = arg.slice(7).split(',');
    else if (arg === '--keep-profiles') keepProfiles = argv[++i] ?? '';
    else if (arg.startsWith('--keep-profiles=')) keepProfiles = arg.slice(16);
    else throw new Error(`Unknown argument "${arg}". Usage: npm run bench [-- --quick] [--out FILE] [--only ${SCENARIO_NAMES.join(',')}] [--keep-profiles DIR] [--render]`);
  }
  for (const name of only ?? []) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new Error(`--only: unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`);
  }
  if (keepProfiles !== undefined && !keepProfiles) throw new Error('--keep-profiles: a folder is expected');
  if (!out) out = mode === 'full' ? 'BENCHMARKS.md' : `dist-bench/BENCHMARKS.${mode}.md`;
  return { mode, out, only, renderOnly, keepProfiles };
}
