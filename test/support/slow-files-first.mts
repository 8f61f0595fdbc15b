import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first: a few slow unit files, then the slowest e2e files
 * (each 10-30 s, mostly child processes and their PostgreSQL work). Started first, they run next
 * to the many short files instead of alone at the end of the run. Vitest orders by the durations of the previous run when
 * it has them (node_modules/.vite); a fresh clone has none, and Vitest would then start the
 * largest files first, which puts several of these last. A file missing here only runs later.
 */
const SLOW_FILES = [
  'src/inbox/validation/compiled-validator.parity.spec.ts',
  'src/auth/jwks-key-cache.spec.ts',
  'src/tradecloud-api/tradecloud-api.downloads.spec.ts',
  'src/changes/lossless-json.spec.ts',
  'src/tradecloud-api/tradecloud-api.client.spec.ts',
  'src/orders/order-snapshot.mapper.property.spec.ts',
  'src/inbox/validation/compiled-validator.features.spec.ts',
  'test/bench.e2e-spec.ts',
  'test/packed-host/packed-host.e2e-spec.ts',
  'test/processing/batch-processing.e2e-spec.ts',
  'test/cli/cli-commands.e2e-spec.ts',
  'test/reconcile/reconcile-service.e2e-spec.ts',
  'test/standalone.e2e-spec.ts',
  'test/reconcile/sync-cli.e2e-spec.ts',
  'test/queue/job-recovery.e2e-spec.ts',
  'test/maintenance/retention.e2e-spec.ts',
  'test/standalone-embedded.e2e-spec.ts',
  'test/orders/order-ordering.e2e-spec.ts',
  'test/security/hardening.e2e-spec.ts',
  'test/security/tls-reload.e2e-spec.ts',
  'test/auth/standalone-credentials.e2e-spec.ts',
  'test/observability/graceful-shutdown.e2e-spec.ts',
  'test/cli/txml-replay.e2e-spec.ts',
  'test/reconcile/reconcile-instances.e2e-spec.ts',
  'test/orders/order-failures.e2e-spec.ts',
  'test/webhooks/get-webhooks.e2e-spec.ts',
];

export default class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const relativePath = (file: TestSpecification) => path.relative(root, file.moduleId).split(path.sep).join('/');
    const known = (file: TestSpecification) => this.ctx.cache.getFileTestResults(`${file.project.name}:${relativePath(file)}`) !== undefined;
    if (sorted.every(known)) return sorted;
    const rank = (file: TestSpecification) => {
      const index = SLOW_FILES.indexOf(relativePath(file));
      return index < 0 ? SLOW_FILES.length : index;
    };
    // The listed files first, in the list's order, whatever their project; the rest in Vitest's order.
    return sorted
      .map((file, index) => ({ file, index }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}
