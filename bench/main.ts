import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runningLoads } from './load';
import { parseArgs } from './options';
import { projectRoot } from './processes';
import { renderConsole, renderMarkdown, RunInfo } from './report';
import { runBench } from './run';

/**
 * `npm run bench [-- --quick]`: the receiver against a minimal baseline on the same
 * PostgreSQL, scenarios 1–5 of issue 9, a profiled pass, and BENCHMARKS.md.
 * Ctrl-C stops the load, every child process and an embedded PostgreSQL, then exits.
 */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`
      : `node ${path.relative(projectRoot(), process.argv[1])}${argv.length ? ` ${argv.join(' ')}` : ''}`;
  // `--render` rewrites the report of the last run of every scenario: a run of some scenarios
  // (`--only`) saves its figures beside it, so that trying one scenario cannot replace them.
  const saved = path.join(projectRoot(), 'dist-bench', `last-run.${args.mode}${args.only && !args.renderOnly ? '.partial' : ''}.json`);
  const out = path.resolve(projectRoot(), args.out);
  if (args.renderOnly) {
    if (!existsSync(saved)) throw new Error(`${saved} is missing: run the benchmark in this mode first`);
    const info = JSON.parse(readFileSync(saved, 'utf8'), (key, value) => (key === 'startedAt' || key === 'finishedAt' ? new Date(value) : value)) as RunInfo;
    writeFileSync(out, renderMarkdown(info));
    console.log(`Rewritten ${path.relative(process.cwd(), out) || out} from ${path.relative(process.cwd(), saved)}.`);
    return 0;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const interrupt = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) {
      console.error(`${signal} again: exiting now (child processes are killed)`);
      process.exit(130);
    }
    console.error(`${signal}: stopping the load and every process started by the benchmark…`);
    controller.abort();
    for (const stop of [...runningLoads]) stop();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const started = Date.now();
  const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const info = await runBench({
    args,
    command,
    databaseUrl: process.env.DATABASE_URL?.trim() || undefined,
    baselineHost: 'child',
    signal: controller.signal,
    log,
  });
  mkdirSync(path.dirname(out), { recursive: true });
  mkdirSync(path.dirname(saved), { recursive: true });
  writeFileSync(saved, JSON.stringify(info));
  writeFileSync(out, renderMarkdown(info));
  console.log(renderConsole(info));
  console.log(`\nWritten to ${path.relative(process.cwd(), out) || out} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return Object.keys(info.failures).length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message === 'Benchmark interrupted' ? 'Benchmark interrupted: nothing written.' : `Benchmark failed: ${error.stack ?? error}`);
    process.exit(error.message === 'Benchmark interrupted' ? 130 : 1);
  },
);
