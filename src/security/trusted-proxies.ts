import { BlockList, isIP } from 'node:net';

/**
 * Which peers may tell us, in `X-Forwarded-For`, who the real caller is: Express's
 * `trust proxy` values.
 *
 * - `false` / unset: nobody; the caller is the socket's peer and the header is ignored.
 * - `true`: every hop (only behind a proxy that overwrites the header; never on a reachable port).
 * - a number `n`: the `n` nearest hops (the socket's peer is hop 0).
 * - a list (array or comma-separated string) of addresses, CIDRs and the names `loopback`,
 *   `linklocal`, `uniquelocal`: hops whose address is in the list.
 */
export type TrustProxySetting = boolean | number | string | readonly string[];

/** Express's named ranges. */
const NAMED_RANGES: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']],
  linklocal: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']],
  uniquelocal: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']],
};

/**
 * Entries of `X-Forwarded-For` read from the right. A trusted chain longer than this is not
 * believed: the hops beyond it are not looked at, and the last hop looked at is the caller.
 */
export const MAX_FORWARDED_HOPS = 32;

/** The caller when a trusted proxy forwarded an `X-Forwarded-For` entry that is not an address. */
export const UNREADABLE_CLIENT_ADDRESS = 'unreadable-x-forwarded-for';

/** A CIDR or address that does not parse; the message says which. */
export class AddressListError extends Error {
  override name = 'AddressListError';
}

/**
 * `a.b.c.d`, `a.b.c.d:port`, `[v6]`, `[v6]:port`, `v6`, IPv4-mapped IPv6 (`::ffff:a.b.c.d`) →
 * the plain address (mapped ones as IPv4), or `undefined` when it is not an address at all.
 */
export function normalizeAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let text = value.trim();
  if (text.length > 64) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  text = text.replace(/%.*$/, ''); // an IPv6 zone id says nothing about the caller
  const family = isIP(text);
  if (family === 4) return text;
  if (family !== 6) return undefined;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped && isIP(mapped[1]) === 4) return mapped[1];
  const mappedHex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(text);
  if (mappedHex) {
    const high = parseInt(mappedHex[1], 16);
    const low = parseInt(mappedHex[2], 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return text.toLowerCase();
}

/** A set of addresses and networks, IPv4 and IPv6, built from CIDRs, plain addresses and Express's range names. */
export class AddressSet {
  private readonly list = new BlockList();

  /** Throws {@link AddressListError} naming the first entry that does not parse. */
  constructor(entries: readonly string[], allowNames = true) {
    for (const entry of entries) this.add(entry, allowNames);
  }

  has(address: string): boolean {
    const normalized = normalizeAddress(address);
    if (!normalized) return false;
    return this.list.check(normalized, isIP(normalized) === 4 ? 'ipv4' : 'ipv6');
  }

  private add(entry: string, allowNames: boolean): void {
    const text = entry.trim();
    const named = allowNames ? NAMED_RANGES[text.toLowerCase()] : undefined;
    if (named) {
      for (const [network, prefix, family] of named) this.list.addSubnet(network, prefix, family);
      return;
    }
    const [addressPart, prefixPart, extra] = text.split('/');
    const address = normalizeAddress(addressPart);
    const family = address ? isIP(address) : 0;
    if (!address || extra !== undefined || /[[\]]/.test(addressPart)) throw new AddressListError(`"${text.slice(0, 80)}" is not an IP address or CIDR`);
    const maxPrefix = family === 4 ? 32 : 128;
    if (prefixPart === undefined) {
      this.list.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
      return;
    }
    const prefix = /^\d{1,3}$/.test(prefixPart) ? Number(prefixPart) : NaN;
    if (!(prefix >= 0 && prefix <= maxPrefix)) throw new AddressListError(`"${text.slice(0, 80)}" has a prefix length outside 0 to ${maxPrefix}`);
    this.list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Decides, hop by hop, whether a peer may speak for the one before it. */
export type TrustHop = (address: string, hop: number) => boolean;

/**
 * Turns a {@link TrustProxySetting} into a hop check, or `undefined` when nobody is trusted.
 * Throws {@link AddressListError} for an entry that does not parse.
 */
export function compileTrustProxy(setting: TrustProxySetting | undefined): TrustHop | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return () => true;
  if (typeof setting === 'number') {
    if (!Number.isInteger(setting) || setting < 0) throw new AddressListError(`a hop count must be a whole number, got ${setting}`);
    if (setting === 0) return undefined;
    return (_address, hop) => hop < setting;
  }
  const entries = (typeof setting === 'string' ? setting.split(',') : [...setting]).map((entry) => entry.trim()).filter(Boolean);
  if (!entries.length) return undefined;
  const trusted = new AddressSet(entries);
  return (address) => trusted.has(address);
}

/**
 * Parses a `TRUST_PROXY` value: `true`/`false`, a hop count, or a comma-separated list of
 * addresses, CIDRs and range names. Throws {@link AddressListError} with the reason.
 */
export function parseTrustProxy(value: string): TrustProxySetting {
  const text = value.trim();
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_FORWARDED_HOPS) throw new AddressListError(`a hop count above ${MAX_FORWARDED_HOPS} is not believed, got ${hops}`);
    return hops;
  }
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  compileTrustProxy(entries); // throws on the first entry that does not parse
  return entries;
}

/**
 * The caller's address: the socket's peer, or, when that peer is a trusted proxy, walking
 * `X-Forwarded-For` from the right through trusted hops until the first untrusted one. An entry
 * that is not an address ends the walk and is never trusted: the caller is then
 * {@link UNREADABLE_CLIENT_ADDRESS}, which no allowlist contains, so a garbage header can neither
 * pick an address nor borrow the proxy's.
 */
export function resolveClientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustHop | undefined,
): string {
  const peer = normalizeAddress(socketAddress) ?? 'unknown';
  if (!trust || peer === 'unknown' || !trust(peer, 0)) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (!header) return peer;
  // Only the rightmost hops matter; the rest is whatever the caller wrote and is not even split.
  const tail = header.slice(-MAX_FORWARDED_HOPS * 48);
  const hops = tail.split(',').map((entry) => entry.trim()).filter(Boolean).reverse().slice(0, MAX_FORWARDED_HOPS);
  let caller = peer;
  for (let index = 0; index < hops.length; index++) {
    const address = normalizeAddress(hops[index]);
    if (!address) return UNREADABLE_CLIENT_ADDRESS;
    caller = address;
    if (!trust(address, index + 1)) return caller;
  }
  return caller;
}
