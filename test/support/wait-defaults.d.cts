/** How long a test waits for a positive signal before it fails (see wait-defaults.cjs). */
export declare const WAIT_TIMEOUT_MS: number;
/** How often a waiting test looks again. */
export declare const WAIT_INTERVAL_MS: number;
