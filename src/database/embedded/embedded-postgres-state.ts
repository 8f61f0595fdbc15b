import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What `<dataDir>/embedded-postgres.json` keeps between starts. The password never leaves this file and the printed psql line. */
export interface EmbeddedPostgresState {
  password: string;
  /** Set while a receiver runs the server (cleared on a clean stop), to find a server left behind. */
  ownerPid?: number;
  /** Set while the server runs: a fresh free port is chosen at every start. */
  port?: number;
}

export const EMBEDDED_SUPERUSER = 'postgres';
export const EMBEDDED_DATABASE_NAME = 'tradecloud';

export function embeddedPostgresStatePath(dataDir: string): string {
  return path.resolve(dataDir, 'embedded-postgres.json');
}

/** The state file of `dataDir`; undefined when it is missing, unreadable or has no password. */
export function readEmbeddedPostgresState(dataDir: string): EmbeddedPostgresState | undefined {
  try {
    const state = JSON.parse(readFileSync(embeddedPostgresStatePath(dataDir), 'utf8')) as EmbeddedPostgresState;
    return typeof state.password === 'string' && state.password ? state : undefined;
  } catch {
    return undefined;
  }
}

export function embeddedPostgresUrl(password: string, port: number, database = EMBEDDED_DATABASE_NAME): string {
  return `postgres://${EMBEDDED_SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * The URL of the embedded PostgreSQL that a receiver started with `npm start` runs from
 * `dataDir`, found through the port and password in its state file; undefined when none runs.
 * For the tools that use the receiver's database without starting one themselves: the
 * migration CLI (config/data-source.ts) and the `tradecloud` CLI.
 */
export function runningEmbeddedPostgresUrl(dataDir: string): string | undefined {
  const state = readEmbeddedPostgresState(dataDir);
  return state?.port ? embeddedPostgresUrl(state.password, state.port) : undefined;
}
