import { HttpException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';
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

export interface ReceivedBody {
  text: string;
  json: unknown;
}

/**
 * Reads a webhook body after authentication: the standalone service registers no body parser,
 * so nothing has been buffered before the credentials were checked. A declared length above
 * the limit is refused before reading anything; a stream that grows past it is cut off.
 * When a host application's own body parser already consumed the stream, its result is used.
 */
export async function readJsonBody(request: IncomingMessage & { body?: unknown }, limitBytes: number): Promise<ReceivedBody> {
  const contentType = String(request.headers['content-type'] ?? '');
  const alreadyParsed = request.body !== undefined && request.readableEnded;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);

  const text = alreadyParsed ? bodyFromHostParser(request.body) : await readStream(request, limitBytes);
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType.trim())) {
    throw new UnusableBodyError(`Content-Type must be application/json, got "${contentType || 'none'}"`, text);
  }
  if (!text.trim()) throw new UnusableBodyError('The body is empty; a JSON object is expected', text);
  try {
    return { text, json: JSON.parse(text) };
  } catch (error) {
    throw new UnusableBodyError(`The body is not valid JSON: ${(error as Error).message}`, text);
  }
}

function bodyFromHostParser(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (typeof body === 'string') return body;
  return JSON.stringify(body);
}

function readStream(request: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        request.resume(); // drain the rest without keeping it
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
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
