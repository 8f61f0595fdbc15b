import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import SlowFilesFirst from './test/support/slow-files-first.mjs';
import { WAIT_INTERVAL_MS, WAIT_TIMEOUT_MS } from './test/support/wait-defaults.cjs';

// SWC compiles the sources so that Nest's decorator metadata (emitDecoratorMetadata) exists in
// tests exactly as it does in the tsc build; Vite's own transform drops it.
const swcPlugin = () =>
  swc.vite({
    module: { type: 'es6' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
  });

// How many test files run at once (TEST_WORKERS overrides it, e.g. 1 to debug one file at a time).
const TEST_WORKERS = Number(process.env.TEST_WORKERS) || 4;

// The examples import the package by its published name, as a host would.
const alias = { 'nestjs-tradecloud-receiver': path.resolve(import.meta.dirname, 'src/index.ts') };

export default defineConfig({
  oxc: false,
  resolve: { alias },
  plugins: [swcPlugin()],
  test: {
    // Most of an e2e file's time is spent waiting (for PostgreSQL, child processes, the
    // simulator), not computing: more files than cores run at once (Vitest's default on a 2-core
    // machine is one file at a time). Each file has its own database, ports and processes.
    maxWorkers: TEST_WORKERS,
    // Known slow e2e files first when Vitest has no durations of a previous run (a fresh clone).
    sequence: { sequencer: SlowFilesFirst },
    // CI asks for a JSON report too, to print a plain "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
    // Unit (`src/**/*.spec.ts`) and end-to-end (`test/**/*.e2e-spec.ts`) files in one project:
    // a worker compiles and loads the sources once for both kinds (two projects had a module graph
    // and workers each, which was a tenth of the suite's CPU time).
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    environment: 'node',
    // The run's PostgreSQL (test/support/global-setup.ts); unit files do not use it.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The one default wait of the suite (test/support/wait-defaults.cjs), for expect.poll as for waitFor.
    expect: { poll: { timeout: WAIT_TIMEOUT_MS, interval: WAIT_INTERVAL_MS } },
    // Files of one worker share the module cache: Nest, TypeORM and the sources are loaded (and
    // compiled by SWC) once per worker, not once per file, which was most of the CPU time of the
    // suite. Nothing a file starts outlives it (the fixture closes receivers, simulators and
    // databases), a file's own state lives in its module, which is loaded afresh per file, and no
    // test mocks modules.
    isolate: false,
  },
});
