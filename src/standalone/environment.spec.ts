import { describe, expect, it } from 'vitest';
import { EnvironmentError, nestLogLevels, readEnvironment } from './environment';

describe('readEnvironment', () => {
  it('fills in the documented defaults', () => {
    const environment = readEnvironment({}, '/srv/app');
    expect(environment).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseSchema: 'tradecloud',
      databaseMigrationsRun: true,
      databasePoolSize: 10,
      logLevel: 'info',
      dataDir: '/srv/app/.data',
      production: false,
    });
  });

  it('reads every variable', () => {
    const environment = readEnvironment(
      {
        PORT: '8080',
        DATABASE_URL: 'postgresql://u:p@db:5432/erp',
        DATABASE_SCHEMA: 'tc',
        DATABASE_MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'DEBUG',
        DATA_DIR: '/var/lib/tc',
        NODE_ENV: 'production',
      },
      '/srv/app',
    );
    expect(environment).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://u:p@db:5432/erp',
      databaseSchema: 'tc',
      databaseMigrationsRun: false,
      logLevel: 'debug',
      dataDir: '/var/lib/tc',
      production: true,
    });
  });

  it('reports every wrong variable at once, by name, without echoing a URL that may hold a password', () => {
    let error: EnvironmentError | undefined;
    try {
      readEnvironment({ PORT: '70000', DATABASE_URL: 'mysql://u:hunter2@db/x', LOG_LEVEL: 'chatty' });
    } catch (caught) {
      error = caught as EnvironmentError;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.message).toContain('Configuration error: PORT must be an integer from 0 to 65535, got "70000"');
    expect(error!.message).toContain('Configuration error: DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(error!.message).toContain('LOG_LEVEL must be one of error, warn, info, debug, trace, got "chatty"');
    expect(error!.message).not.toContain('hunter2');
  });

  it('treats an empty variable as unset', () => {
    expect(readEnvironment({ PORT: '', DATABASE_URL: ' ' }).port).toBe(3000);
  });

  it('maps LOG_LEVEL to cumulative Nest levels', () => {
    expect(nestLogLevels('error')).toEqual(['fatal', 'error']);
    expect(nestLogLevels('info')).toEqual(['fatal', 'error', 'warn', 'log']);
    expect(nestLogLevels('trace')).toContain('verbose');
  });
});
