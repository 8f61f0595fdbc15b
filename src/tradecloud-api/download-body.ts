import { Readable, Transform } from 'node:stream';
import { TradecloudApiEndpoint, TradecloudApiError } from './tradecloud-api.error';

/** A document body being downloaded. Consume `stream` promptly; it fails with a {@link TradecloudApiError}. */
export interface TradecloudDownload {
  /** The bytes; errors with `code: 'too_large'` past `maxBytes`, `'timeout'` when the server stalls, `'network'` when cut. */
  stream: Readable;
  /** `Content-Type` of the answer, when given. */
  contentType?: string;
  /** From `Content-Disposition`, else the last segment of the URL path. */
  filename?: string;
  /** `Content-Length` of the answer, when given (already checked against `maxBytes`). */
  contentLength?: number;
}

export interface DownloadBodyLimits {
  endpoint: TradecloudApiEndpoint;
  maxBytes: number;
  /** Longest pause of the server between two chunks while we are ready to read. */
  idleTimeoutMs: number;
  /** Safe description of the source for messages (no query, no credentials). */
  source: string;
}

/**
 * Wraps a response body: counts bytes and aborts the download (destroying the socket, without
 * reading the rest) as soon as `maxBytes` is passed, fails a stalled server after
 * `idleTimeoutMs`, and turns socket errors into transient {@link TradecloudApiError}s.
 */
export function limitDownloadBody(source: Readable, limits: DownloadBodyLimits): Readable {
  const { endpoint, maxBytes, idleTimeoutMs } = limits;
  let received = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  const output = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > maxBytes) {
        callback(tooLargeError(endpoint, maxBytes, limits.source));
        return;
      }
      callback(null, chunk);
    },
  });

  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      // Paused by back-pressure: the wait is the consumer's, not the server's.
      if (source.isPaused() || output.writableNeedDrain) {
        armIdleTimer();
        return;
      }
      output.destroy(
        new TradecloudApiError(`Tradecloud ${endpoint}: no data from ${limits.source} for ${idleTimeoutMs} ms`, {
          endpoint,
          code: 'timeout',
          transient: true,
        }),
      );
    }, idleTimeoutMs);
  };

  source.on('data', armIdleTimer);
  source.on('error', (error: NodeJS.ErrnoException) => {
    output.destroy(
      error instanceof TradecloudApiError
        ? error
        : new TradecloudApiError(`Tradecloud ${endpoint}: download from ${limits.source} broke off (${error.code ?? 'stream error'})`, {
            endpoint,
            code: 'network',
            transient: true,
          }),
    );
  });
  output.on('close', () => {
    clearTimeout(idleTimer);
    // Ends the HTTP exchange when the consumer stops early or the limit was hit.
    if (!source.readableEnded) source.destroy();
  });
  armIdleTimer();
  source.pipe(output);
  return output;
}

export function tooLargeError(endpoint: TradecloudApiEndpoint, maxBytes: number, source: string, announced?: number): TradecloudApiError {
  const size = announced === undefined ? 'is larger' : `announces ${announced} bytes, more`;
  return new TradecloudApiError(`Tradecloud ${endpoint}: the document at ${source} ${size} than the limit of ${maxBytes} bytes`, {
    endpoint,
    code: 'too_large',
    transient: false,
  });
}

/** File name from a `Content-Disposition` header (`filename*=UTF-8''…` preferred over `filename=`). */
export function filenameFromContentDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ''));
    } catch {
      // malformed percent-encoding: fall through to the plain parameter
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1');
  const plain = /filename\s*=\s*([^;]+)/i.exec(header);
  return plain ? plain[1].trim() : undefined;
}

/** Last path segment of a URL, decoded, for a download without `Content-Disposition`. */
export function filenameFromUrl(url: URL): string | undefined {
  const segment = url.pathname.split('/').filter(Boolean).pop();
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
