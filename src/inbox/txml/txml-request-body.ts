import type { IncomingMessage } from 'node:http';
import { readBodyBytes, unstorableContent, UnusableBodyError } from '../request-body';
import { ObjectShape } from './txml-schema';
import { TxmlError, txmlToJson } from './txml-to-json';

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
  /** The XML exactly as received. */
  original: string;
}

/**
 * Reads a tXML body after authentication, with the same limit as JSON, and converts it with the
 * route's schema. Every problem is an {@link UnusableBodyError} carrying the XML text, so the
 * request is kept as rejected with what was sent.
 */
export async function readTxmlBody(request: IncomingMessage & { body?: unknown }, limitBytes: number, shape: ObjectShape): Promise<ReceivedTxmlBody> {
  const { text: original, utf8 } = await readBodyBytes(request, limitBytes);
  if (!utf8) throw new UnusableBodyError('The body is not valid UTF-8 (tXML must be UTF-8)', original);
  const { text, json } = convertTxml(original, shape);
  return { text, json, original };
}

/** The conversion alone (also used to re-validate a stored tXML request on replay). */
export function convertTxml(original: string, shape: ObjectShape): { text: string; json: unknown } {
  if (!original.trim()) throw new UnusableBodyError('The body is empty; a tXML document is expected', original);
  let text: string;
  try {
    text = txmlToJson(original, shape);
  } catch (error) {
    if (!(error instanceof TxmlError)) throw error;
    const looksLikeJson = /^\s*[[{]/.test(original);
    const hint = looksLikeJson ? ' (the body looks like JSON: send JSON with Content-Type application/json)' : '';
    throw new UnusableBodyError(`${error.message}${hint}`, original);
  }
  const json: unknown = JSON.parse(text);
  // With the converted text, the check walks every value only when the text holds an escape or a
  // forbidden key (a 5,000-line order: 20 ms instead of 60).
  const problem = unstorableContent(json, text);
  if (problem) throw new UnusableBodyError(problem, original);
  return { text, json };
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
