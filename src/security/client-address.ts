import type { IncomingMessage } from 'node:http';
import { normalizeAddress, resolveClientAddress, TrustHop } from './trusted-proxies';

const CLIENT_ADDRESS = Symbol('tradecloud.clientAddress');

type AddressedRequest = IncomingMessage & { ip?: string; [CLIENT_ADDRESS]?: string };

/**
 * The caller's address for logs, limits, metrics and the source filter, worked out once per
 * request: with `trust` (the module's `webhooks.trustProxy`) from the socket and
 * `X-Forwarded-For`; without it, Express's `request.ip`, so the host's own `trust proxy` setting
 * applies (by default: the socket's peer).
 */
export function resolveRequestClientAddress(request: IncomingMessage, trust: TrustHop | undefined): string {
  const addressed = request as AddressedRequest;
  if (addressed[CLIENT_ADDRESS] === undefined) {
    addressed[CLIENT_ADDRESS] = trust
      ? resolveClientAddress(request.socket?.remoteAddress, request.headers['x-forwarded-for'], trust)
      : (normalizeAddress(addressed.ip ?? request.socket?.remoteAddress) ?? 'unknown');
  }
  return addressed[CLIENT_ADDRESS];
}

/** The address the source guard worked out, else the request's own idea of it (routes without that guard). */
export function clientAddressOf(request: IncomingMessage): string {
  return resolveRequestClientAddress(request, undefined);
}
