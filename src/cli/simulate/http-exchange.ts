import http from 'node:http';
import https from 'node:https';

/** One HTTP call's result. Never thrown: a connection error is a result too. */
export interface HttpAnswer {
  /** Undefined when no answer came (refused, reset, timeout). */
  status?: number;
  body: string;
  /** The error code when no answer came (`ECONNREFUSED`, `ECONNRESET`, `TIMEOUT`, …). */
  error?: string;
  durationMs: number;
}

export interface HttpExchangeOptions {
  method: string;
  headers: Record<string, string | number>;
  /** The request body; none for GET. */
  payload?: string | Buffer;
  /** CA certificates to trust for an https target (self-signed certificates). */
  ca?: string | Buffer;
  /** No answer within this time ends the call with error `TIMEOUT`. */
  timeoutMs: number;
}

/**
 * One request over plain node:http(s), as a webhook sender makes it: no retries, no redirects, the
 * whole answer read as text. A sender must see refused, reset and timed-out calls as outcomes it
 * can retry, so they resolve with `error` instead of rejecting.
 */
export function httpExchange(url: URL, options: HttpExchangeOptions): Promise<HttpAnswer> {
  const transport = url.protocol === 'https:' ? https : http;
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<HttpAnswer, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, durationMs: performance.now() - started });
    };
    const request = transport.request(url, { method: options.method, headers: options.headers, ca: options.ca, timeout: options.timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      const answered = () => finish({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') });
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', answered);
      response.on('error', answered);
    });
    request.on('timeout', () => {
      finish({ body: '', error: 'TIMEOUT' });
      request.destroy();
    });
    request.on('error', (error: NodeJS.ErrnoException) => finish({ body: '', error: error.code ?? error.message }));
    request.end(options.payload);
  });
}
