export { ReconcilePassService, emptyCounts } from './reconcile-pass.service';
export type { ReconcileCounts, ReconcilePassOptions, ReconcilePassResult } from './reconcile-pass.service';
export { ReconcileScheduler } from './reconcile-scheduler';
export { parseDuration, readReconcileEnvironment, resolveReconcileOptions, RECONCILE_DEFAULTS } from './reconcile-options';
export type { ResolvedReconcileOptions, TradecloudReconcileOptions } from './reconcile-options';
export { RECONCILE_KINDS } from './reconcile-state';
export type { ReconcileKind } from './reconcile-state';
