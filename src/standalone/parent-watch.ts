/** How often a receiver started by npm checks that npm's script shell is still its parent. */
const PARENT_CHECK_MS = 1_000;

/**
 * Calls `onGone` once when the process that started this one has exited, for a receiver started by
 * an npm script (`npm start`). npm runs a script as `npm → sh -c "node dist/src/main.js" → node`,
 * and passes a SIGTERM it gets (a supervisor's, `docker stop`'s) to the shell, which exits without
 * passing it on: the receiver, with its embedded PostgreSQL, would run on with nobody left to stop
 * it. A receiver started any other way (`node dist/src/main.js`, a process manager) gets its
 * signals itself, and is left alone even when its parent exits (`nohup … &` from a login shell).
 * `parent`: the parent this process had when it started. The watch begins once the receiver
 * listens; npm stopped during the start-up has left the process an orphan by then, and the watch
 * must still see that its parent changed. Returns a function that stops the watch.
 */
export function watchNpmParent(onGone: () => void, environment: NodeJS.ProcessEnv = process.env, parent: number = process.ppid): () => void {
  if (!environment.npm_lifecycle_event) return () => undefined;
  const timer = setInterval(() => {
    // `process.ppid` asks the system each time: an orphan's parent becomes init (or a subreaper).
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
