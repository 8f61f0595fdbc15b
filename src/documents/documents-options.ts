import path from 'node:path';

/** Where downloaded document content is kept. */
export type DocumentStorageKind = 'postgres' | 'filesystem';

/**
 * Downloading the content of order and shipment documents (Tradecloud never sends it in events).
 * Each document with an `objectId` or a `url` is downloaded by a background job on the module's
 * job queue; retries and back-off follow `documents.attempts` (default `queue.attempts`) and
 * `queue.retryDelaySeconds`, after which the document is `failed` with `last_error`.
 */
export interface TradecloudDocumentsOptions {
  /**
   * Download document content. `false`: documents are still recorded (`content_status`
   * `pending`), nothing is downloaded; switching it on later downloads those at the next start.
   * Default `true`.
   */
  download?: boolean;
  /**
   * Where content is stored: `'postgres'` (table `document_contents`, column `content bytea`) or
   * `'filesystem'` (files named by their SHA-256 below `directory`, for large files). Identical
   * content is stored once either way. Default `'postgres'`.
   */
  storage?: DocumentStorageKind;
  /**
   * Directory of the `'filesystem'` storage (created when missing; relative paths are resolved
   * against the working directory). Required with `storage: 'filesystem'`. With `'postgres'` it is
   * only used to read content stored earlier in filesystem mode. Default: none.
   */
  directory?: string;
  /**
   * Largest document accepted, in bytes. A larger one is `failed` with the reason, its download
   * aborted without reading the rest, nothing of it stored. At most 1000000000 with `'postgres'`
   * storage (a `bytea` value is limited to 1 GB). Default `104857600` (100 MB).
   */
  maxBytes?: number;
  /**
   * Allow `url` documents (which point at partners' servers) to resolve to private, loopback,
   * link-local or otherwise non-public addresses. Off, such a URL is refused (`failed`), so that a
   * document reference cannot make the receiver fetch from its own network. Pre-signed links and
   * the proxy of Tradecloud's object storage are not subject to it. Default `false`.
   */
  allowPrivateAddresses?: boolean;
  /**
   * A download job still running after this many seconds is taken to be lost (its process was
   * killed) and is handed out again. Set it above the longest download you expect (size divided
   * by the slowest partner's bandwidth); a crashed download resumes after this plus
   * `queue.maintenanceIntervalSeconds`. Default `900`.
   */
  jobTimeoutSeconds?: number;
  /**
   * Download attempts of one document before it is `failed` (a permanent error, such as a 404 or
   * a document over `maxBytes`, fails it at once). Retries back off from `queue.retryDelaySeconds`.
   * Default: `queue.attempts`.
   */
  attempts?: number;
}

/** {@link TradecloudDocumentsOptions} with every default filled in and every rule checked. */
/** Injection token of the documents slice of the resolved options ({@link ResolvedDocumentsOptions}), provided by its feature module. */
export const TRADECLOUD_DOCUMENTS_OPTIONS = 'TRADECLOUD_DOCUMENTS_OPTIONS';

export interface ResolvedDocumentsOptions {
  download: boolean;
  storage: DocumentStorageKind;
  /** Absolute path, when given. */
  directory?: string;
  maxBytes: number;
  allowPrivateAddresses: boolean;
  jobTimeoutSeconds: number;
  /** Undefined: `queue.attempts`. */
  attempts?: number;
}

export const DOCUMENTS_DEFAULTS = {
  download: true,
  storage: 'postgres' as DocumentStorageKind,
  maxBytes: 100 * 1024 * 1024,
  allowPrivateAddresses: false,
  jobTimeoutSeconds: 900,
};

/** Largest content the `'postgres'` storage accepts (`bytea` values are limited to 1 GB). */
export const POSTGRES_MAX_BYTES = 1_000_000_000;

const STORAGE_KINDS: readonly DocumentStorageKind[] = ['postgres', 'filesystem'];

export function resolveDocumentsOptions(options: TradecloudDocumentsOptions | undefined, problems: string[]): ResolvedDocumentsOptions {
  const given = options ?? {};
  let storage = given.storage ?? DOCUMENTS_DEFAULTS.storage;
  if (!STORAGE_KINDS.includes(storage)) {
    problems.push(`"documents.storage" must be 'postgres' or 'filesystem', got ${String(storage)}`);
    storage = DOCUMENTS_DEFAULTS.storage;
  }
  const directory = typeof given.directory === 'string' && given.directory.trim() ? path.resolve(given.directory.trim()) : undefined;
  if (given.directory !== undefined && directory === undefined) problems.push('"documents.directory" must be a non-empty path');
  if (storage === 'filesystem' && given.directory === undefined) {
    problems.push(`"documents.directory" is required with "documents.storage" 'filesystem'`);
  }
  const limit = storage === 'postgres' ? POSTGRES_MAX_BYTES : Number.MAX_SAFE_INTEGER;
  let maxBytes = given.maxBytes ?? DOCUMENTS_DEFAULTS.maxBytes;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > limit) {
    problems.push(`"documents.maxBytes" must be an integer from 1 to ${limit}${storage === 'postgres' ? ` with 'postgres' storage` : ''}, got ${String(maxBytes)}`);
    maxBytes = DOCUMENTS_DEFAULTS.maxBytes;
  }
  let jobTimeoutSeconds = given.jobTimeoutSeconds ?? DOCUMENTS_DEFAULTS.jobTimeoutSeconds;
  if (typeof jobTimeoutSeconds !== 'number' || !Number.isInteger(jobTimeoutSeconds) || jobTimeoutSeconds < 5 || jobTimeoutSeconds > 86_400) {
    problems.push(`"documents.jobTimeoutSeconds" must be an integer from 5 to 86400, got ${String(jobTimeoutSeconds)}`);
    jobTimeoutSeconds = DOCUMENTS_DEFAULTS.jobTimeoutSeconds;
  }
  let attempts = given.attempts;
  if (attempts !== undefined && (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 1000)) {
    problems.push(`"documents.attempts" must be an integer from 1 to 1000, got ${String(attempts)}`);
    attempts = undefined;
  }
  for (const flag of ['download', 'allowPrivateAddresses'] as const) {
    if (given[flag] !== undefined && typeof given[flag] !== 'boolean') problems.push(`"documents.${flag}" must be true or false, got ${String(given[flag])}`);
  }
  return {
    download: given.download ?? DOCUMENTS_DEFAULTS.download,
    storage,
    directory,
    maxBytes,
    allowPrivateAddresses: given.allowPrivateAddresses ?? DOCUMENTS_DEFAULTS.allowPrivateAddresses,
    jobTimeoutSeconds,
    attempts,
  };
}

type Env = Record<string, string | undefined>;

/**
 * Reads the standalone service's document variables: `DOCUMENTS_DOWNLOAD` (true/false),
 * `DOCUMENTS_STORAGE` (`postgres` | `filesystem`), `DOCUMENTS_DIR` (default
 * `defaults.directory`, e.g. `<DATA_DIR>/documents`), `DOCUMENTS_MAX_BYTES` (bytes, or with a
 * `kb`/`mb`/`gb` unit), `DOCUMENTS_JOB_TIMEOUT_SECONDS`, `DOCUMENTS_ATTEMPTS` and `DOCUMENTS_ALLOW_PRIVATE_URLS`
 * (true/false). Unset variables keep the module defaults. Each mistake is added to `problems`, naming the variable.
 */
export function readDocumentsEnvironment(env: Env, problems: string[], defaults: { directory?: string } = {}): TradecloudDocumentsOptions {
  const read = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const flag = (name: string): boolean | undefined => {
    const value = read(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    problems.push(`${name} must be true or false, got "${value}"`);
    return undefined;
  };
  const options: TradecloudDocumentsOptions = {};
  const download = flag('DOCUMENTS_DOWNLOAD');
  if (download !== undefined) options.download = download;
  const allowPrivate = flag('DOCUMENTS_ALLOW_PRIVATE_URLS');
  if (allowPrivate !== undefined) options.allowPrivateAddresses = allowPrivate;

  const storage = read('DOCUMENTS_STORAGE')?.toLowerCase();
  if (storage !== undefined) {
    if ((STORAGE_KINDS as readonly string[]).includes(storage)) options.storage = storage as DocumentStorageKind;
    else problems.push(`DOCUMENTS_STORAGE must be one of ${STORAGE_KINDS.join(', ')}, got "${storage}"`);
  }
  const directory = read('DOCUMENTS_DIR') ?? defaults.directory;
  if (directory !== undefined) options.directory = directory;
  else if (options.storage === 'filesystem') problems.push('DOCUMENTS_DIR is required when DOCUMENTS_STORAGE is filesystem');

  const jobTimeout = read('DOCUMENTS_JOB_TIMEOUT_SECONDS');
  if (jobTimeout !== undefined) {
    const seconds = /^\d+$/.test(jobTimeout) ? Number(jobTimeout) : NaN;
    if (Number.isSafeInteger(seconds) && seconds >= 5 && seconds <= 86_400) options.jobTimeoutSeconds = seconds;
    else problems.push(`DOCUMENTS_JOB_TIMEOUT_SECONDS must be an integer from 5 to 86400, got "${jobTimeout}"`);
  }

  const attempts = read('DOCUMENTS_ATTEMPTS');
  if (attempts !== undefined) {
    const count = /^\d+$/.test(attempts) ? Number(attempts) : NaN;
    if (Number.isSafeInteger(count) && count >= 1 && count <= 1000) options.attempts = count;
    else problems.push(`DOCUMENTS_ATTEMPTS must be an integer from 1 to 1000, got "${attempts}"`);
  }

  const maxBytes = read('DOCUMENTS_MAX_BYTES');
  if (maxBytes !== undefined) {
    const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(maxBytes);
    const bytes = match ? Number(match[1]) * 1024 ** ['b', 'kb', 'mb', 'gb'].indexOf((match[2] ?? 'b').toLowerCase()) : NaN;
    const limit = options.storage === 'filesystem' ? Number.MAX_SAFE_INTEGER : POSTGRES_MAX_BYTES;
    if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > limit) {
      problems.push(
        `DOCUMENTS_MAX_BYTES must be a size such as 104857600 or 100mb` +
          `${options.storage === 'filesystem' ? '' : ', at most 1000000000 with postgres storage'}, got "${maxBytes}"`,
      );
    } else {
      options.maxBytes = bytes;
    }
  }
  return options;
}
