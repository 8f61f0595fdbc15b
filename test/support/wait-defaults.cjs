// The one default wait of the e2e suite (CommonJS, so that vitest.config.mts and the TypeScript
// tests both load it as it is; its types are in wait-defaults.d.cts).
//
// WAIT_TIMEOUT_MS: how long a test waits for a positive signal before it fails, used by `waitFor`
// (test/support/wait.ts) and by `expect.poll` (vitest.config.mts). It is generous because a
// loaded 2-core machine can be slow; on an idle one the signals arrive in well under a second,
// so the default costs nothing when tests pass.
// WAIT_INTERVAL_MS: how often a waiting test looks again.
module.exports = { WAIT_TIMEOUT_MS: 30_000, WAIT_INTERVAL_MS: 50 };
