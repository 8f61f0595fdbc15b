/**
 * How long a test waits for a positive signal before it fails: the suite's one default, used by
 * `waitFor` (test/support/wait.ts) and by `expect.poll` (vitest.config.mts reads it from here).
 * It is generous because a loaded 2-core machine can be slow; on an idle one the signals arrive
 * in well under a second, so the default costs nothing when tests pass.
 */
export const WAIT_TIMEOUT_MS = 30_000;
/** How often a waiting test looks again. */
export const WAIT_INTERVAL_MS = 50;
