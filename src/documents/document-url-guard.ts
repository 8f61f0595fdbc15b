import { lookup } from 'node:dns/promises';
import { BlockList, isIP, LookupFunction } from 'node:net';
import { ConnectAddressRefusedError } from '../tradecloud-api';
import { DocumentDownloadError } from './document-download.error';

/**
 * Addresses a partner's document `url` must not lead to: private networks, loopback, link-local
 * (cloud metadata services live at 169.254.169.254), carrier-grade NAT, multicast, reserved and
 * unspecified ranges. Otherwise a document reference sent to us could make the receiver fetch
 * from its own network.
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4 or v6, IPv4-mapped included) is not a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return NON_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const mapped = mappedIpv4(bare);
  if (mapped) return NON_PUBLIC.check(mapped, 'ipv4');
  return NON_PUBLIC.check(bare, 'ipv6');
}

/** `::ffff:a.b.c.d` or its hex form `::ffff:7f00:1` → `a.b.c.d`. */
function mappedIpv4(address: string): string | undefined {
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export type HostResolver = (hostname: string) => Promise<string[]>;

/**
 * Injection token of the {@link HostResolver} used for partner `url` documents (default: the
 * system's DNS). Replaced in tests to simulate DNS answers, and by hosts with special resolvers.
 */
export const DOCUMENT_HOST_RESOLVER = 'TRADECLOUD_DOCUMENT_HOST_RESOLVER';

export const resolveWithDns: HostResolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * A `checkUrl` hook for the API client's downloads: refuses a URL (and each redirect target)
 * whose host is, or resolves to, a non-public address, before anything is sent (a clear,
 * early answer, and the only check for literal IP hosts, which are connected to without a
 * lookup). The connection resolves the name again, through {@link connectTimeLookup}, which
 * checks the addresses actually connected to: a DNS answer that changes in between
 * (rebinding) is refused there.
 */
export function publicAddressGuard(resolve: HostResolver = resolveWithDns): (url: URL) => Promise<void> {
  return async (url) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(host)) {
      addresses = [host];
    } else {
      try {
        addresses = await resolve(host);
      } catch (error) {
        // Name resolution can fail for a while (DNS outage): worth another try later.
        throw new DocumentDownloadError(`cannot resolve the host of ${url.protocol}//${url.host} (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`, false);
      }
    }
    const refused = addresses.find(isNonPublicAddress);
    if (refused !== undefined) {
      throw new DocumentDownloadError(
        `refused ${url.protocol}//${url.host}: it resolves to the non-public address ${refused} ` +
          '(allow with documents.allowPrivateAddresses, standalone DOCUMENTS_ALLOW_PRIVATE_URLS=true)',
        true,
      );
    }
  };
}

/**
 * A `lookup` for the sockets of partner downloads: resolves with `resolve` when the connection
 * is opened (first request and every redirect) and, when `refuseNonPublic`, refuses the
 * connection if any address is not public, so the address checked is the address connected to.
 */
export function connectTimeLookup(resolve: HostResolver, refuseNonPublic: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const reply = callback as (error: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void;
    resolve(hostname).then(
      (addresses) => {
        const refused = refuseNonPublic ? (addresses.find(isNonPublicAddress) ?? (addresses.length ? undefined : '(none)')) : undefined;
        if (refused !== undefined) {
          reply(
            new ConnectAddressRefusedError(
              `${hostname} resolves to the non-public address ${refused} ` +
                '(allow with documents.allowPrivateAddresses, standalone DOCUMENTS_ALLOW_PRIVATE_URLS=true)',
            ),
            '',
          );
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const entries = addresses.map((address) => ({ address, family: isIP(address) })).filter((entry) => entry.family && (!wanted || entry.family === wanted));
        if (!entries.length) {
          reply(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '');
          return;
        }
        if (options.all) reply(null, entries);
        else reply(null, entries[0].address, entries[0].family);
      },
      (error: NodeJS.ErrnoException) => reply(error, ''),
    );
  };
}
