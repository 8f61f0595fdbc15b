import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { contentSize, contentStream, SimulatedContent } from './generated-content';
import { SimulatorRoute } from './fault-rules';
import { SimulatorTokens } from './simulator-tokens';
import { orderLastUpdatedAt, poll, PollableStore, PollSettings, shipmentLastUpdatedAt } from './simulator-poll';

/** A document in the simulator's object storage, or a file on a partner's content server. */
export interface SimulatedDocument {
  filename: string;
  contentType: string;
  content: SimulatedContent;
  /** Send the body chunked, without `Content-Length` (the size is then only known by reading). */
  omitContentLength?: boolean;
  /** Send only this many bytes, then stall with the connection open (a server that hangs mid-body). */
  stallAfterBytes?: number;
}

/** What the handlers serve from; the simulator owns it and tests fill the maps. */
export interface SimulatorState {
  username: string;
  password: string;
  tokens: SimulatorTokens;
  orders: PollableStore;
  /** What the single-delivery poll endpoint serves (orders in the single-delivery shape). */
  singleDeliveryOrders: PollableStore;
  shipments: PollableStore;
  poll: PollSettings;
  documents: Map<string, SimulatedDocument>;
  partnerFiles: Map<string, SimulatedDocument>;
  /** `/redirect/<key>` answers 302 to the value. */
  redirects: Map<string, string>;
  presignedUrlTtlSeconds: number;
  /** Signatures of pre-signed URLs still honoured (cleared to expire them all). */
  presignedSignatures: Set<string>;
  origin(): string;
}

export interface ResolvedRoute {
  route: SimulatorRoute;
  /** The decoded id of the order, shipment or document, or the partner file path. */
  id?: string;
}

const ROUTES: Array<[string, RegExp, SimulatorRoute]> = [
  ['GET', /^\/v2\/authentication\/login$/, 'auth.login'],
  ['GET', /^\/v2\/authentication\/refresh$/, 'auth.refresh'],
  ['POST', /^\/v2\/authentication\/logout$/, 'auth.logout'],
  ['GET', /^\/v2\/order\/([^/]+)$/, 'order.get'],
  ['POST', /^\/v2\/order-search\/poll$/, 'order.poll'],
  ['POST', /^\/v2\/order-search\/poll\/single-delivery$/, 'order.poll-single-delivery'],
  ['POST', /^\/v2\/shipment\/poll$/, 'shipment.poll'],
  ['GET', /^\/v2\/shipment\/([^/]+)$/, 'shipment.get'],
  ['GET', /^\/v2\/object-storage\/document\/([^/]+)\/metadata$/, 'document.metadata'],
  ['GET', /^\/v2\/object-storage\/document\/([^/]+)$/, 'document.proxy'],
  ['GET', /^\/s3\/tradecloud-documents\/([^/]+)$/, 's3'],
  ['GET', /^\/partner\/(.+)$/, 'partner'],
  ['GET', /^\/redirect\/(.+)$/, 'redirect'],
];

export function resolveRoute(method: string, pathname: string): ResolvedRoute {
  for (const [routeMethod, pattern, route] of ROUTES) {
    const match = pattern.exec(pathname);
    if (match && method === routeMethod) {
      try {
        return { route, id: match[1] === undefined ? undefined : decodeURIComponent(match[1]) };
      } catch {
        return { route: 'unknown' };
      }
    }
  }
  return { route: 'unknown' };
}

const SIGNING_KEY = randomBytes(32);

/** Serves one request that passed the fault rules. */
export function handleRequest(state: SimulatorState, request: IncomingMessage, response: ServerResponse, resolved: ResolvedRoute, body?: unknown): void {
  const id = resolved.id ?? '';
  switch (resolved.route) {
    case 'auth.login':
      return login(state, request, response);
    case 'auth.refresh':
      return refresh(state, request, response);
    case 'auth.logout': {
      const refreshToken = header(request, 'refresh-token');
      if (refreshToken) state.tokens.revokeRefresh(refreshToken);
      return json(response, 200, { status: 'logged out' });
    }
    case 'order.get':
      if (!hasBearer(state, request)) return unauthorized(response);
      return state.orders.has(id) ? json(response, 200, state.orders.get(id)) : json(response, 404, { message: `Order ${id} not found` });
    case 'shipment.get':
      if (!hasBearer(state, request)) return unauthorized(response);
      return state.shipments.has(id) ? json(response, 200, state.shipments.get(id)) : json(response, 404, { message: `Shipment ${id} not found` });
    case 'order.poll':
    case 'order.poll-single-delivery':
    case 'shipment.poll': {
      // Polling accepts the login token and, per Tradecloud's docs, Basic on every request.
      if (!hasBearer(state, request) && !hasBasic(state, request)) return unauthorized(response);
      const store = resolved.route === 'order.poll' ? state.orders : resolved.route === 'shipment.poll' ? state.shipments : state.singleDeliveryOrders;
      return poll(store, resolved.route === 'shipment.poll' ? shipmentLastUpdatedAt : orderLastUpdatedAt, body, state.poll, response);
    }
    case 'document.metadata': {
      if (!hasBearer(state, request) && !hasBasic(state, request)) return unauthorized(response);
      const document = state.documents.get(id);
      if (!document) return json(response, 404, { message: `Document ${id} not found` });
      return json(response, 200, { id, filename: document.filename, contentType: document.contentType, downloadUrl: presign(state, id) });
    }
    case 'document.proxy': {
      if (!hasBearer(state, request) && !hasBasic(state, request)) return unauthorized(response);
      const document = state.documents.get(id);
      return document ? sendDocument(response, document) : json(response, 404, { message: `Document ${id} not found` });
    }
    case 's3':
      return s3(state, request, response, id);
    case 'partner': {
      if (request.headers.authorization !== undefined) {
        return json(response, 400, { message: 'The partner server refuses requests carrying an Authorization header (credentials leaked?)' });
      }
      const file = state.partnerFiles.get(id);
      return file ? sendDocument(response, file) : json(response, 404, { message: `No partner file ${id}` });
    }
    case 'redirect': {
      const location = state.redirects.get(id);
      if (!location) return json(response, 404, { message: `No redirect ${id}` });
      response.writeHead(302, { Location: location, 'Content-Length': 0 });
      return void response.end();
    }
    default:
      return json(response, 404, { message: `No route ${request.method} ${request.url}` });
  }
}

function login(state: SimulatorState, request: IncomingMessage, response: ServerResponse): void {
  const credentials = /^Basic\s+(.+)$/i.exec(header(request, 'authorization') ?? '');
  const decoded = credentials ? Buffer.from(credentials[1], 'base64').toString('utf8') : '';
  if (!sameText(decoded, `${state.username}:${state.password}`)) return unauthorized(response);
  const tokens = state.tokens.issue();
  response.setHeader('Set-Authorization', tokens.accessToken);
  response.setHeader('Set-Refresh-Token', tokens.refreshToken);
  json(response, 200, { username: state.username, status: 'logged in' });
}

function refresh(state: SimulatorState, request: IncomingMessage, response: ServerResponse): void {
  if (request.headers.authorization !== undefined) {
    return json(response, 400, { message: 'Refresh takes only the Refresh-Token header, no Authorization' });
  }
  const tokens = state.tokens.rotate(header(request, 'refresh-token') ?? '');
  if (!tokens) return unauthorized(response);
  response.setHeader('Set-Authorization', tokens.accessToken);
  response.setHeader('Set-Refresh-Token', tokens.refreshToken);
  json(response, 200, { username: state.username, status: 'refreshed' });
}

function s3(state: SimulatorState, request: IncomingMessage, response: ServerResponse, objectId: string): void {
  // Real S3 refuses a second authentication mechanism next to the query signature.
  if (request.headers.authorization !== undefined) {
    return xml(response, 400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter should be specified');
  }
  const query = new URL(request.url ?? '/', 'http://s3.invalid').searchParams;
  const signature = query.get('X-Amz-Signature') ?? '';
  const signedAt = parseAmzDate(query.get('X-Amz-Date') ?? '');
  const expiresSeconds = Number(query.get('X-Amz-Expires'));
  if (signature !== sign(objectId, query.get('X-Amz-Date') ?? '') || signedAt === undefined) {
    return xml(response, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided');
  }
  if (!state.presignedSignatures.has(signature) || Date.now() > signedAt + expiresSeconds * 1000) {
    return xml(response, 403, 'AccessDenied', 'Request has expired');
  }
  const document = state.documents.get(objectId);
  return document ? sendDocument(response, document) : xml(response, 404, 'NoSuchKey', 'The specified key does not exist.');
}

function presign(state: SimulatorState, objectId: string): string {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const signature = sign(objectId, amzDate);
  state.presignedSignatures.add(signature);
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'ASIASIMULATOR/20250101/eu-west-1/s3/aws4_request',
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(state.presignedUrlTtlSeconds),
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': signature,
  });
  return `${state.origin()}/s3/tradecloud-documents/${encodeURIComponent(objectId)}?${query}`;
}

function sign(objectId: string, amzDate: string): string {
  return createHmac('sha256', SIGNING_KEY).update(`${objectId}\n${amzDate}`).digest('hex');
}

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return match ? Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6]) : undefined;
}

function sendDocument(response: ServerResponse, document: SimulatedDocument): void {
  response.writeHead(200, {
    'Content-Type': document.contentType,
    ...(document.omitContentLength ? {} : { 'Content-Length': contentSize(document.content) }),
    'Content-Disposition': `attachment; filename="${document.filename.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(document.filename)}`,
  });
  if (document.stallAfterBytes !== undefined) {
    const all = Buffer.isBuffer(document.content) ? document.content : undefined;
    const head = all ? all.subarray(0, document.stallAfterBytes) : Buffer.alloc(document.stallAfterBytes, 0x25);
    response.write(head); // …and nothing more until the client gives up
    return;
  }
  const body = contentStream(document.content);
  body.on('error', () => response.destroy());
  response.on('close', () => body.destroy());
  body.pipe(response);
}

function hasBearer(state: SimulatorState, request: IncomingMessage): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization') ?? '');
  return match !== null && state.tokens.isAccessValid(match[1]);
}

function hasBasic(state: SimulatorState, request: IncomingMessage): boolean {
  const match = /^Basic\s+(.+)$/i.exec(header(request, 'authorization') ?? '');
  return match !== null && sameText(Buffer.from(match[1], 'base64').toString('utf8'), `${state.username}:${state.password}`);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function unauthorized(response: ServerResponse): void {
  json(response, 401, { message: 'Unauthorized' });
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function xml(response: ServerResponse, status: number, code: string, message: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
