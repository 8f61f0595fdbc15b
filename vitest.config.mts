import path from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

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

// The examples import the package by its published name, as a host would.
const alias = { 'nestjs-tradecloud-receiver': path.resolve(import.meta.dirname, 'src/index.ts') };

export default defineConfig({
  oxc: false,
  resolve: { alias },
  test: {
    // CI asks for a JSON report too, to print a plain "N passed, N failed" line.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.VITEST_JSON_REPORT ? { json: process.env.VITEST_JSON_REPORT } : undefined,
    projects: [
      {
        oxc: false,
        resolve: { alias },
        plugins: [swcPlugin()],
        test: { name: 'unit', include: ['src/**/*.spec.ts'], environment: 'node' },
      },
      {
        oxc: false,
        resolve: { alias },
        plugins: [swcPlugin()],
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
