import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The e2e files that take longest (each 10-30 s, mostly waiting for child processes and their
 * own PostgreSQL work), longest first. Started first, they run next to the many short files
 * instead of alone at the end of the run. Vitest orders by the durations of the previous run when
 * it has them (node_modules/.vite); a fresh clone has none, and Vitest would then start the
 * largest files first, which puts several of these last. A file missing here only runs later.
 */
const SLOW_FILES = [
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
    // Within each project (Vitest runs them in its order), slow files first; the rest keep Vitest's order.
    const projects = new Map<string, TestSpecification[]>();
    for (const file of sorted) projects.set(file.project.name, [...(projects.get(file.project.name) ?? []), file]);
    return [...projects.values()].flatMap((group) => group.map((file, index) => ({ file, index })).sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index).map(({ file }) => file));
  }
}
