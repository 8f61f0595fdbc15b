import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDocumentsEnvironment, resolveDocumentsOptions } from './documents-options';

describe('resolveDocumentsOptions', () => {
  it('fills in the defaults: download into Postgres, 100 MB, no private addresses', () => {
    const problems: string[] = [];
    expect(resolveDocumentsOptions(undefined, problems)).toEqual({
      download: true,
      storage: 'postgres',
      directory: undefined,
      maxBytes: 104857600,
      allowPrivateAddresses: false,
      jobTimeoutSeconds: 900,
    });
    expect(problems).toEqual([]);
  });

  it('resolves a relative directory and accepts large limits in filesystem mode', () => {
    const problems: string[] = [];
    const resolved = resolveDocumentsOptions({ storage: 'filesystem', directory: 'data/documents', maxBytes: 5_000_000_000 }, problems);
    expect(problems).toEqual([]);
    expect(resolved).toMatchObject({ storage: 'filesystem', directory: path.resolve('data/documents'), maxBytes: 5_000_000_000 });
  });

  it('names every wrong option', () => {
    const problems: string[] = [];
    resolveDocumentsOptions({ storage: 'filesystem' }, problems);
    resolveDocumentsOptions({ storage: 's3' as never, maxBytes: 0 }, problems);
    resolveDocumentsOptions({ maxBytes: 2_000_000_000 }, problems);
    resolveDocumentsOptions({ directory: '  ', download: 'yes' as never }, problems);
    resolveDocumentsOptions({ jobTimeoutSeconds: 2, attempts: 0 }, problems);
    expect(problems).toEqual([
      `"documents.directory" is required with "documents.storage" 'filesystem'`,
      `"documents.storage" must be 'postgres' or 'filesystem', got s3`,
      expect.stringMatching(/^"documents.maxBytes" must be an integer from 1 to 1000000000 with 'postgres' storage, got 0/),
      expect.stringMatching(/^"documents.maxBytes" .* got 2000000000/),
      '"documents.directory" must be a non-empty path',
      '"documents.download" must be true or false, got yes',
      '"documents.jobTimeoutSeconds" must be an integer from 5 to 86400, got 2',
      '"documents.attempts" must be an integer from 1 to 1000, got 0',
    ]);
  });
});

describe('readDocumentsEnvironment', () => {
  it('reads nothing when nothing is set (module defaults apply)', () => {
    const problems: string[] = [];
    expect(readDocumentsEnvironment({}, problems)).toEqual({});
    expect(problems).toEqual([]);
  });

  it('reads storage, directory, size with units and the flags', () => {
    const problems: string[] = [];
    const options = readDocumentsEnvironment(
      { DOCUMENTS_STORAGE: 'Filesystem', DOCUMENTS_DIR: '/var/lib/tc', DOCUMENTS_MAX_BYTES: '2gb', DOCUMENTS_ALLOW_PRIVATE_URLS: 'true', DOCUMENTS_DOWNLOAD: 'off', DOCUMENTS_JOB_TIMEOUT_SECONDS: '3600', DOCUMENTS_ATTEMPTS: '3' },
      problems,
    );
    expect(problems).toEqual([]);
    expect(options).toEqual({
      storage: 'filesystem',
      directory: '/var/lib/tc',
      maxBytes: 2 * 1024 ** 3,
      allowPrivateAddresses: true,
      download: false,
      jobTimeoutSeconds: 3600,
      attempts: 3,
    });
  });

  it('takes the default directory when DOCUMENTS_DIR is unset', () => {
    const problems: string[] = [];
    expect(readDocumentsEnvironment({ DOCUMENTS_STORAGE: 'filesystem' }, problems, { directory: '/data/documents' })).toEqual({
      storage: 'filesystem',
      directory: '/data/documents',
    });
    expect(problems).toEqual([]);
  });

  it('reports each wrong variable by name', () => {
    const problems: string[] = [];
    readDocumentsEnvironment({ DOCUMENTS_STORAGE: 'filesystem' }, problems);
    readDocumentsEnvironment({ DOCUMENTS_STORAGE: 'ftp', DOCUMENTS_MAX_BYTES: '2gb', DOCUMENTS_ALLOW_PRIVATE_URLS: 'maybe', DOCUMENTS_JOB_TIMEOUT_SECONDS: '1m', DOCUMENTS_ATTEMPTS: '0' }, problems);
    expect(problems).toEqual([
      'DOCUMENTS_DIR is required when DOCUMENTS_STORAGE is filesystem',
      'DOCUMENTS_ALLOW_PRIVATE_URLS must be true or false, got "maybe"',
      'DOCUMENTS_STORAGE must be one of postgres, filesystem, got "ftp"',
      'DOCUMENTS_JOB_TIMEOUT_SECONDS must be an integer from 5 to 86400, got "1m"',
      'DOCUMENTS_ATTEMPTS must be an integer from 1 to 1000, got "0"',
      'DOCUMENTS_MAX_BYTES must be a size such as 104857600 or 100mb, at most 1000000000 with postgres storage, got "2gb"',
    ]);
  });
});
