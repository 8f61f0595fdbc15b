import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './processes';

/**
 * Last step of `npm run bench:build` (after tsc): takes a snapshot of the freshly built receiver
 * (dist/) into dist-bench/receiver/, so that a rebuild of dist/ during a long run (`npm test`
 * builds too) cannot pull the receiver out from under the benchmark.
 */
function prepare(): void {
  const root = projectRoot();
  const dist = path.join(root, 'dist');
  if (!existsSync(path.join(dist, 'src', 'main.js'))) throw new Error('dist/src/main.js is missing: run "npm run build" first');
  const snapshot = path.join(root, 'dist-bench', 'receiver');
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(dist, snapshot, { recursive: true });
  console.log(`Benchmark built; receiver snapshot in ${path.relative(root, snapshot)}/`);
}

prepare();
