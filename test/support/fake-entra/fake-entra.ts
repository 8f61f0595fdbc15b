import { randomBytes, randomUUID } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';

/** An app registration exposing an API (the webhook receiver, as the customer registered it in Entra). */
export interface FakeResource {
  /** Application ID URI; Tradecloud's scope is `<applicationIdUri>/.default`. v1 tokens carry it as `aud`. */
  applicationIdUri: string;
  /** The resource app's client id; v2 tokens carry it as `aud`. */
  clientId: string;
  /** `accessTokenAcceptedVersion` of the resource's manifest: decides v1 or v2 tokens. */
  accessTokenVersion: 1 | 2;
}

/** A client app registration (Tradecloud's "webhook client app") with its secret and the app roles granted to it. */
export interface FakeClient {
  clientId: string;
  clientSecret: string;
  roles?: string[];
}

interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

interface Tenant {
  resources: FakeResource[];
  clients: FakeClient[];
}

/**
 * A fake Microsoft Entra identity provider on loopback, close enough to the real one for the
 * client-credentials flow Tradecloud uses: `POST /<tenant>/oauth2/v2.0/token` (form body
 * `grant_type=client_credentials&client_id&client_secret&scope`) answers an RS256 access token in
 * v1 or v2 style, `GET /<tenant>/discovery/v2.0/keys` the JWKS. Signing keys are shared by all
 * tenants (as in Entra), can be rotated, and the whole provider can go down.
 */
export class FakeEntra {
  readonly tenantId: string = randomUUID();
  /** Shifts the clock the tokens are issued with (negative: tokens already expired). */
  clockOffsetSeconds = 0;
  /** While true every connection is dropped, as when the provider is unreachable. */
  down = false;
  /** While set, the JWKS endpoint answers this status (e.g. 503, an outage behind a gateway) instead of the keys. */
  jwksFailureStatus?: number;
  /** JWKS requests answered so far (with the keys or with `jwksFailureStatus`). */
  jwksRequests = 0;
  private keys: SigningKey[] = [];
  private readonly tenants = new Map<string, Tenant>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeEntra> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const entra = new FakeEntra(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('connection', (socket) => {
      entra.sockets.add(socket);
      socket.on('close', () => entra.sockets.delete(socket));
    });
    server.on('request', (request, response) => void entra.handle(request, response));
    await entra.rotateSigningKey();
    return entra;
  }

  tokenEndpoint(tenantId = this.tenantId): string {
    return `${this.baseUrl}/${tenantId}/oauth2/v2.0/token`;
  }

  jwksUri(tenantId = this.tenantId): string {
    return `${this.baseUrl}/${tenantId}/discovery/v2.0/keys`;
  }

  issuer(version: 1 | 2, tenantId = this.tenantId): string {
    return version === 1 ? `https://sts.windows.net/${tenantId}/` : `https://login.microsoftonline.com/${tenantId}/v2.0`;
  }

  registerResource(resource: FakeResource, tenantId = this.tenantId): void {
    this.tenant(tenantId).resources.push(resource);
  }

  registerClient(client: FakeClient, tenantId = this.tenantId): void {
    this.tenant(tenantId).clients.push(client);
  }

  /** Publishes a new signing key and signs with it from now on; the previous key stays published unless retired. */
  async rotateSigningKey(options: { retirePrevious?: boolean } = {}): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomBytes(15).toString('base64url');
    const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', x5t: kid };
    this.keys = options.retirePrevious ? [{ kid, privateKey, publicJwk }] : [{ kid, privateKey, publicJwk }, ...this.keys];
    return kid;
  }

  get currentKid(): string {
    return this.keys[0].kid;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private tenant(tenantId: string): Tenant {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = { resources: [], clients: [] };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.down) {
      request.socket.destroy();
      return;
    }
    const match = /^\/([^/]+)\/(oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/.exec(request.url ?? '');
    const tenant = match && this.tenants.get(match[1]);
    if (!match || !tenant) return json(response, 404, { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' });
    if (match[2] === 'discovery/v2.0/keys' && request.method === 'GET') {
      this.jwksRequests += 1;
      if (this.jwksFailureStatus) return json(response, this.jwksFailureStatus, { error: 'temporarily_unavailable' });
      return json(response, 200, { keys: this.keys.map((key) => key.publicJwk) });
    }
    if (match[2] === 'oauth2/v2.0/token' && request.method === 'POST') return this.issueToken(match[1], tenant, request, response);
    return json(response, 405, { error: 'invalid_request' });
  }

  private async issueToken(tenantId: string, tenant: Tenant, request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += chunk;
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return json(response, 400, { error: 'invalid_request', error_description: 'AADSTS900144: form body expected' });
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') return json(response, 400, { error: 'unsupported_grant_type' });
    const client = tenant.clients.find((candidate) => candidate.clientId === form.get('client_id'));
    if (!client) return json(response, 400, { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found' });
    if (client.clientSecret !== form.get('client_secret')) {
      return json(response, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    }
    const scope = form.get('scope') ?? '';
    const resource = tenant.resources.find((candidate) => `${candidate.applicationIdUri}/.default` === scope);
    if (!resource) return json(response, 400, { error: 'invalid_resource', error_description: 'AADSTS500011: resource not found' });

    const now = Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
    const v1 = resource.accessTokenVersion === 1;
    const objectId = randomUUID();
    const claims = {
      aud: v1 ? resource.applicationIdUri : resource.clientId,
      iss: this.issuer(resource.accessTokenVersion, tenantId),
      iat: now - 300, // Entra back-dates iat and nbf by five minutes
      nbf: now - 300,
      exp: now + 3600,
      ...(v1 ? { appid: client.clientId, appidacr: '1', idp: this.issuer(1, tenantId) } : { azp: client.clientId, azpacr: '1' }),
      oid: objectId,
      sub: objectId,
      ...(client.roles?.length ? { roles: client.roles } : {}),
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: v1 ? '1.0' : '2.0',
    };
    const key = this.keys[0];
    const accessToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, x5t: key.kid }).sign(key.privateKey);
    return json(response, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Gets an access token exactly as Tradecloud (MSAL4J, client credentials) does. Throws with Entra's error otherwise. */
export async function requestClientCredentialsToken(
  tokenEndpoint: string,
  credentials: { clientId: string; clientSecret: string; scope: string },
): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      scope: credentials.scope,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new Error(`token request refused: ${response.status} ${body.error} ${body.error_description}`);
  return body.access_token;
}
