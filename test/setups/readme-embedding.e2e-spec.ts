import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README's host module is the example's source, verbatim: the example is type-checked by
 * `npm test` (tsc) and booted by the setups suite, so the README's code compiles and works.
 */
describe('README embedding section', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  it.each(['app.module.ts', 'erp-line-sync.service.ts', 'main.ts'])('shows examples/host-app/%s verbatim', (file) => {
    const source = readFileSync(path.resolve(__dirname, '../../examples/host-app', file), 'utf8').trim();
    expect(readme).toContain('```ts\n' + source + '\n```');
  });
});
