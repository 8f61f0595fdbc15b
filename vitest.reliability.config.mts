import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The reliability suite (issue 10): `npm run test:reliability`, never part of `npm test`.
// Files run one after another (they measure timings and load the 2-core machine on purpose).
// RELIABILITY_SCALE=ci runs the reduced sizes CI uses; the full run writes RELIABILITY.md.
export default defineConfig({
  oxc: false,
  plugins: [
    swc.vite({
      module: { type: 'es6' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
    }),
  ],
  test: {
    name: 'reliability',
    include: ['test/reliability/**/*.reliability-spec.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts', 'test/reliability/support/report-setup.ts'],
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
    // CI asks for a JSON report too, to print a plain "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
  },
});
