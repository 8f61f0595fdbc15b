import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import { readRequestBytes, unstorableContent, UnusableBodyError } from '../request-body';
import { ObjectShape } from './txml-schema';
import { ConvertedTxml, convertWhole, TxmlConverter, TxmlError } from './txml-to-json';

/** `application/xml`, `text/xml` and any `+xml` type (`application/tradecloud+xml`). */
const XML_CONTENT_TYPE = /^(application|text)\/([a-z0-9.-]*\+)?xml\s*(;|$)/i;

export function isXmlContentType(contentType: string | undefined): boolean {
  return XML_CONTENT_TYPE.test(String(contentType ?? '').trim());
}

/** A tXML request: the JSON it converts to (stored in `body`, validated) and the XML as received (kept in `raw_body`). */
export interface ReceivedTxmlBody {
  /** The converted JSON text. */
  text: string;
  json: unknown;
  /** The XML exactly as received: its bytes (UTF-8), or the text a host's parser made of them. */
  original: Buffer | string;
}

/**
 * Reads a tXML body after authentication, with the same limit as JSON, converting each piece as
 * it arrives with the route's schema: the XML is kept as the bytes received (for `raw_body`) and
 * never as one decoded text, and the conversion is done when the last piece is. Every problem is
 * an {@link UnusableBodyError} carrying the XML text, so the request is kept as rejected with what
 * was sent; a body that is not UTF-8 is refused as such, whatever its conversion found.
 */
export async function readTxmlBody(request: IncomingMessage & { body?: unknown }, limitBytes: number, shape: ObjectShape): Promise<ReceivedTxmlBody> {
  const conversion = new StreamedConversion(shape);
  const original = await readRequestBytes(request, limitBytes, (chunk) => conversion.write(chunk));
  if (typeof original === 'string') return { ...convertTxml(original, shape), original };
  if (!isUtf8(original)) throw new UnusableBodyError('The body is not valid UTF-8 (tXML must be UTF-8)', original.toString('utf8'));
  if (!conversion.wroteAny) conversion.write(original); // a host's parser read the body before this route
  let converted: ConvertedTxml;
  try {
    converted = conversion.end();
  } catch (error) {
    if (!(error instanceof TxmlError)) throw error;
    const xml = original.toString('utf8');
    throw new UnusableBodyError(xml.trim() ? problemOf(error, xml) : EMPTY_BODY, xml);
  }
  return { ...checked(converted, () => original.toString('utf8')), original };
}

/** The conversion alone (also used to re-validate a stored tXML request on replay). */
export function convertTxml(original: string, shape: ObjectShape): { text: string; json: unknown } {
  if (!original.trim()) throw new UnusableBodyError(EMPTY_BODY, original);
  let converted: ConvertedTxml;
  try {
    converted = convertWhole(original, shape);
  } catch (error) {
    if (!(error instanceof TxmlError)) throw error;
    throw new UnusableBodyError(problemOf(error, original), original);
  }
  return checked(converted, () => original);
}

const EMPTY_BODY = 'The body is empty; a tXML document is expected';

function problemOf(error: TxmlError, xml: string): string {
  const looksLikeJson = /^\s*[[{]/.test(xml);
  const hint = looksLikeJson ? ' (the body looks like JSON: send JSON with Content-Type application/json)' : '';
  return `${error.message}${hint}`;
}

/** The conversion, when it holds nothing that cannot be validated or stored. */
function checked(converted: ConvertedTxml, xml: () => string): ConvertedTxml {
  // With the converted text, the check walks every value only when the text holds an escape or a
  // forbidden key (a 5,000-line order: 20 ms instead of 60).
  const problem = unstorableContent(converted.json, converted.text);
  if (problem) throw new UnusableBodyError(problem, xml());
  return converted;
}

/**
 * A conversion fed with the bytes of a request as they arrive. The first problem stops it (the
 * rest of the body is still read, to be kept with the rejection) and is thrown by {@link end}.
 */
class StreamedConversion {
  private readonly decoder = new StringDecoder('utf8');
  /** Dropped at the first problem: what it built so far is garbage while the rest of the body is read. */
  private converter: TxmlConverter | undefined;
  private failure: unknown;
  wroteAny = false;

  constructor(shape: ObjectShape) {
    this.converter = new TxmlConverter(shape);
  }

  write(chunk: Buffer): void {
    this.wroteAny = true;
    this.feed((converter) => converter.write(this.decoder.write(chunk)));
  }

  end(): ConvertedTxml {
    this.feed((converter) => converter.write(this.decoder.end()));
    if (this.failure !== undefined || !this.converter) throw this.failure;
    return this.converter.end();
  }

  private feed(step: (converter: TxmlConverter) => void): void {
    if (!this.converter) return;
    try {
      step(this.converter);
    } catch (error) {
      this.failure = error;
      this.converter = undefined;
    }
  }
}

/**
 * A body-reading problem as answered: on a route that takes tXML the content type rule names
 * both formats, and a body that looks like the other format says so.
 */
export function formatProblem(problem: string, rawText: string, acceptsTxml: boolean): string {
  if (acceptsTxml && problem.startsWith('Content-Type must be application/json,')) {
    return problem.replace('Content-Type must be application/json,', 'Content-Type must be application/json or application/xml (tXML),');
  }
  if (problem.startsWith('The body is not valid JSON') && /^\s*</.test(rawText)) {
    return `${problem} (the body looks like XML: ${acceptsTxml ? 'send tXML with Content-Type application/xml' : 'this route accepts JSON only'})`;
  }
  return problem;
}
