import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls, { SecureVersion } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandaloneProcess, startStandaloneProcess } from '../support/standalone-process';
import { useDatabase } from '../support/receiver-fixture';

const BEARER_TOKEN = 'tls-test-token-5e1f2a9c7b';

/** A root CA, an intermediate CA and a `localhost` server certificate, as a public CA would issue them. */
async function certificateChain() {
  const caExtensions = [
    { name: 'basicConstraints' as const, cA: true, critical: true },
    { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, critical: true },
  ];
  const root = await generate([{ name: 'commonName', value: 'Test Root CA' }], { algorithm: 'sha256', extensions: caExtensions });
  const intermediate = await generate([{ name: 'commonName', value: 'Test Intermediate CA' }], {
    algorithm: 'sha256',
    extensions: caExtensions,
    ca: { key: root.private, cert: root.cert },
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
    ca: { key: intermediate.private, cert: intermediate.cert },
  });
  return { root, intermediate, server };
}

/** Opens a TLS connection limited to the given protocol versions; resolves with the negotiated one or the error code. */
function handshake(port: number, ca: string, min: SecureVersion, max: SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    // SECLEVEL=0 lets this client really offer TLS 1.1 (OpenSSL 3 refuses to by default).
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: min, maxVersion: max, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function httpsGet(url: string, ca: string, version: SecureVersion, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; protocol: string | null; headers: Record<string, unknown> }>((resolve, reject) => {
    const request = https.get(url, { ca, minVersion: version, maxVersion: version, headers }, (response) => {
      response.resume();
      resolve({ status: response.statusCode!, protocol: (response.socket as tls.TLSSocket).getProtocol(), headers: response.headers });
    });
    request.on('error', reject);
  });
}

describe('standalone service over HTTPS (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE)', () => {
  const database = useDatabase('auth_tls');
  let folder: string;
  let receiver: StandaloneProcess;
  let rootCa: string;
  let chain: Awaited<ReturnType<typeof certificateChain>>;
  let port: number;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-tls-e2e-'));
    chain = await certificateChain();
    const { root, intermediate, server } = chain;
    rootCa = root.cert;
    writeFileSync(path.join(folder, 'server.crt'), server.cert);
    writeFileSync(path.join(folder, 'server.key'), server.private, { mode: 0o600 });
    writeFileSync(path.join(folder, 'intermediate.crt'), intermediate.cert);
    receiver = await startStandaloneProcess({
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_tls',
      DATA_DIR: folder,
      TLS_CERT_FILE: path.join(folder, 'server.crt'),
      TLS_KEY_FILE: path.join(folder, 'server.key'),
      TLS_CA_FILE: path.join(folder, 'intermediate.crt'),
      WEBHOOK_BEARER_TOKENS: BEARER_TOKEN,
      // Lower Node's own floor, so that only the service's explicit minVersion can refuse TLS 1.1.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0`.trim(),
    });
    port = Number(new URL(receiver.url).port);
  });
  afterAll(async () => {
    if (receiver) expect(await receiver.stop('SIGINT')).toBe(0);
    rmSync(folder, { recursive: true, force: true });
  });

  it('says it listens on https://', () => {
    expect(receiver.url).toMatch(/^https:\/\/localhost:\d+$/);
  });

  it.each<SecureVersion>(['TLSv1.2', 'TLSv1.3'])('serves %s clients, with the chain completed from TLS_CA_FILE', async (version) => {
    const response = await httpsGet(`${receiver.url}/health`, rootCa, version);
    expect(response.status).toBe(200);
    expect(response.protocol).toBe(version);
  });

  it('refuses a TLS 1.1 handshake, which the same client completes with a server that allows it', async () => {
    expect(await handshake(port, rootCa, 'TLSv1.1', 'TLSv1.1')).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    const { server, intermediate } = chain;
    const permissive = tls.createServer(
      { cert: server.cert, key: server.private, ca: intermediate.cert, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' },
      (socket) => socket.end(),
    );
    await new Promise<void>((resolve) => permissive.listen(0, '127.0.0.1', resolve));
    try {
      const { port: permissivePort } = permissive.address() as AddressInfo;
      expect(await handshake(permissivePort, rootCa, 'TLSv1.1', 'TLSv1.1')).toBe('TLSv1.1');
    } finally {
      permissive.close();
    }
  });

  it('authenticates the webhooks over HTTPS with the configured token, which it never prints', async () => {
    const post = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        https
          .request(`${receiver.url}/tradecloud/webhooks/orders`, { method: 'POST', ca: rootCa, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
            response.resume();
            resolve(response.statusCode!);
          })
          .on('error', reject)
          .end('{}');
      });
    expect(await post({})).toBe(401);
    await expect.poll(() => receiver.output()).toMatch(/Refused POST \/tradecloud\/webhooks\/orders from .* \(orders\) with 401: no Authorization header/);
    // past authentication: whatever the handler makes of an empty event, it is neither 401 nor 404
    expect(await post({ authorization: `Bearer ${BEARER_TOKEN}` })).not.toBeOneOf([401, 404]);
    expect(receiver.output()).not.toContain(BEARER_TOKEN);
    expect(receiver.output()).not.toContain('development credentials');
  });
});
