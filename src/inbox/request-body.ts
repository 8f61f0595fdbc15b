import { HttpException, HttpStatus, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/** A request body that is not usable JSON; the raw text is kept so the request can be recorded as rejected. */
export class UnusableBodyError extends HttpException {
  constructor(
    readonly problem: string,
    readonly rawText: string,
  ) {
    super({ statusCode: HttpStatus.BAD_REQUEST, error: 'Bad Request', message: [problem] }, HttpStatus.BAD_REQUEST);
  }
}

/**
 * The host application's JSON body parser consumed the body and kept no raw bytes: the exact
 * text (numbers such as `12345678901234.56789` or `0.10`, the dedupe hash) cannot be had, and a
 * body rebuilt from the parsed object would silently differ. Answered 503, so Tradecloud
 * delivers again once the host is configured with `rawBody: true` or `bodyParser: false`.
 */
export class ExactBodyUnavailableError extends ServiceUnavailableException {
  static readonly explanation =
    "The host application's JSON body parser consumed the webhook body without keeping the raw bytes, so its exact " +
    'numbers cannot be stored: create the Nest application with NestFactory.create(AppModule, { rawBody: true }) ' +
    '(or { bodyParser: false }). Answering 503 so Tradecloud delivers again.';

  constructor() {
    super({
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: 'The receiver cannot read the exact body (host configuration); please deliver again later.',
    });
  }
}

export interface ReceivedBody {
  text: string;
  json: unknown;
}

/**
 * Reads a webhook body after authentication: the standalone service registers no body parser,
 * so nothing has been buffered before the credentials were checked. A declared length above
 * the limit is refused before reading anything; a stream that grows past it is cut off.
 * When a host application's own body parser already consumed the stream, the raw bytes it kept
 * (Nest's `rawBody: true`) are used; a parsed object alone is never turned back into text
 * ({@link ExactBodyUnavailableError}).
 */
export async function readJsonBody(request: IncomingMessage & { body?: unknown; rawBody?: unknown }, limitBytes: number): Promise<ReceivedBody> {
  const contentType = String(request.headers['content-type'] ?? '');
  const { text, utf8 } = await readBodyBytes(request, limitBytes);
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType.trim())) {
    throw new UnusableBodyError(`Content-Type must be application/json, got "${contentType || 'none'}"`, text);
  }
  if (!utf8) throw new UnusableBodyError('The body is not valid UTF-8 (JSON must be UTF-8)', text);
  if (!text.trim()) throw new UnusableBodyError('The body is empty; a JSON object is expected', text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UnusableBodyError(`The body is not valid JSON: ${(error as Error).message}`, text);
  }
  const problem = unstorableContent(json, text);
  if (problem) throw new UnusableBodyError(problem, text);
  return { text, json };
}

/** Deeper than any Tradecloud body (about 8 levels), shallow enough for every recursive step after parsing. */
export const MAX_JSON_DEPTH = 64;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/**
 * Text that may hold what {@link unstorableContent} looks for beyond the nesting: any `\u` escape
 * (U+0000 and unpaired surrogates can only come from escapes, or from surrogates in the text
 * itself; a forbidden key may be spelt with escapes) and the forbidden keys written plainly.
 */
const MAY_BE_UNSTORABLE = /\\u|"(?:__proto__|constructor)"|[\ud800-\udfff]/;

/**
 * What in a parsed body could not be validated or stored safely, or undefined: nesting deeper
 * than {@link MAX_JSON_DEPTH} (recursive validation would overflow the stack), keys that change
 * prototypes when objects are copied (`__proto__`, `constructor`), and text PostgreSQL's jsonb
 * refuses (U+0000, unpaired surrogates). Walked without recursion.
 *
 * `text`, the JSON `json` was parsed from: when it holds no escape, no surrogate and no forbidden
 * key (a test of the text, several times cheaper than visiting every value), only the nesting is
 * checked. Anything else, and every finding, goes through the full walk.
 */
export function unstorableContent(json: unknown, text?: string): string | undefined {
  if (text !== undefined && !MAY_BE_UNSTORABLE.test(text) && withinDepth(json, 0)) return undefined;
  // A node's path is written only for a message: building it for each of the ~750,000 values of a
  // 5,000-line order would be tens of megabytes of garbage on every large request.
  const stack: WalkedValue[] = [{ value: json, parent: undefined, key: '', depth: 0 }];
  while (stack.length) {
    const node = stack.pop()!;
    const { value, depth } = node;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return `${pathOf(node)} contains the character U+0000, which cannot be stored`;
      if (LONE_SURROGATE.test(value)) return `${pathOf(node)} contains an unpaired UTF-16 surrogate, which cannot be stored`;
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `${pathOf(node)} is nested deeper than ${MAX_JSON_DEPTH} levels`;
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) stack.push({ value: value[index], parent: node, key: index, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `${pathOf({ value: undefined, parent: node, key, depth })}: the key "${key}" is not allowed`;
      if (key.includes('\u0000') || LONE_SURROGATE.test(key)) return `${pathOf(node)} has a key that cannot be stored (U+0000 or an unpaired surrogate)`;
      stack.push({ value: (value as Record<string, unknown>)[key], parent: node, key, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Whether no value is nested deeper than {@link MAX_JSON_DEPTH} (recursion stops there, so the stack stays shallow). */
function withinDepth(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (!withinDepth(value[index], depth + 1)) return false;
    return true;
  }
  for (const key in value) if (!withinDepth((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

interface WalkedValue {
  value: unknown;
  parent: WalkedValue | undefined;
  /** Its index in an array parent, its key in an object parent. */
  key: string | number;
  depth: number;
}

/** `body.orderEvent.lines[3].buyerLine`: array items by index, object members by key (at most 100 characters). */
function pathOf(node: WalkedValue): string {
  const parts: string[] = [];
  for (let at: WalkedValue | undefined = node; at?.parent; at = at.parent) parts.push(typeof at.key === 'number' ? `[${at.key}]` : `.${at.key.slice(0, 100)}`);
  return `body${parts.reverse().join('')}`;
}

/**
 * The body's bytes, read as {@link readJsonBody} reads them (the declared length refused above the
 * limit, a host parser's result used when the stream is already consumed), and whether they are
 * UTF-8. For readers of other formats (tXML, `txml/txml-request-body.ts`).
 */
export async function readBodyBytes(request: IncomingMessage & { body?: unknown; rawBody?: unknown }, limitBytes: number): Promise<{ text: string; utf8: boolean }> {
  const bytes = await readRequestBytes(request, limitBytes);
  if (typeof bytes === 'string') return { text: bytes, utf8: true };
  return { text: bytes.toString('utf8'), utf8: isUtf8(bytes) };
}

/**
 * The body's bytes as {@link readBodyBytes} reads them, undecoded. `onChunk` sees each piece as it
 * arrives from the connection (not when a host's parser had read the body already), so a reader
 * can convert while the rest is still on its way; an error it throws ends the read with that error.
 */
export async function readRequestBytes(
  request: IncomingMessage & { body?: unknown; rawBody?: unknown },
  limitBytes: number,
  onChunk?: (chunk: Buffer) => void,
): Promise<Buffer | string> {
  const alreadyParsed = request.body !== undefined && request.readableEnded;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const bytes = alreadyParsed ? bodyFromHostParser(request) : await readStream(request, limitBytes, Number.isInteger(declared) && declared >= 0 ? declared : undefined, onChunk);
  if (bytes.length > limitBytes) throw tooLarge(limitBytes);
  return bytes;
}

/** The exact body a host's parser kept: Nest's `req.rawBody`, or a raw/text parser's result. */
function bodyFromHostParser(request: { body?: unknown; rawBody?: unknown }): Buffer | string {
  if (Buffer.isBuffer(request.rawBody)) return request.rawBody;
  if (Buffer.isBuffer(request.body)) return request.body;
  if (typeof request.body === 'string') return request.body;
  throw new ExactBodyUnavailableError();
}

/** Bytes of a body received before it is moved into one buffer of its declared length. */
const PREALLOCATE_AFTER_BYTES = 1024 * 1024;

/**
 * Reads the stream to its end. A large body with a declared length goes into one buffer of that
 * size as its pieces arrive (each piece can be collected at once: no second copy of the body at
 * the end); the buffer is taken once the first megabyte has arrived, so that a length announced by
 * a sender that then stalls holds no memory.
 */
function readStream(request: IncomingMessage, limitBytes: number, declared: number | undefined, onChunk?: (chunk: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let whole: Buffer | undefined;
    let size = 0;
    /** Bytes copied into `whole`; a piece past the declared length (never from Node's own parser) goes to `chunks`. */
    let filled = 0;
    const onData = (chunk: Buffer) => {
      const end = size + chunk.length;
      if (end > limitBytes) {
        cleanup();
        request.resume(); // drain the rest without keeping it
        reject(tooLarge(limitBytes));
        return;
      }
      if (!whole && declared !== undefined && end > PREALLOCATE_AFTER_BYTES && end <= declared) {
        whole = Buffer.allocUnsafe(declared);
        for (const earlier of chunks) filled += earlier.copy(whole, filled);
        chunks = [];
      }
      if (whole && !chunks.length && end <= whole.length) filled += chunk.copy(whole, size);
      else chunks.push(chunk);
      size = end;
      if (onChunk) {
        try {
          onChunk(chunk);
        } catch (error) {
          cleanup();
          request.resume();
          reject(error as Error);
        }
      }
    };
    const onEnd = () => {
      cleanup();
      // Node's parser ends the body at the declared length; fewer bytes (an aborted request) end in 'error' or 'aborted'.
      const head = whole && filled < whole.length ? whole.subarray(0, filled) : whole;
      resolve(head && !chunks.length ? head : Buffer.concat(head ? [head, ...chunks] : chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

function tooLarge(limitBytes: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`The body is larger than the limit of ${limitBytes} bytes (WEBHOOK_BODY_LIMIT)`);
}
