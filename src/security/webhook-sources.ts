import { AddressListError, AddressSet } from './trusted-proxies';

/**
 * The addresses Tradecloud sends its webhooks from, as Tradecloud publishes them for
 * allow-listing ("Tradecloud egress IPs", in the transport requirements of its webhook
 * documentation; see the domain reference, section "Delivery and retries"). This is the only
 * place they are written down: when Tradecloud announces a change, change it here.
 */
export const TRADECLOUD_SOURCE_ADDRESSES: Readonly<Record<TradecloudSourceName, readonly string[]>> = {
  'tradecloud-production': ['35.204.224.107', '34.90.20.233'],
  'tradecloud-acceptance': ['35.204.36.162'],
};

export type TradecloudSourceName = 'tradecloud-production' | 'tradecloud-acceptance';

/** The label of a request that matched no entry of an active filter. */
export const UNLISTED_SOURCE = 'unlisted';
/** The label of every request when no filter is configured. */
export const UNFILTERED_SOURCE = 'unfiltered';

/**
 * The webhook source allowlist: named Tradecloud environments and CIDRs. `match` says which
 * entry admits an address (the entry as written: a name or a CIDR, a bounded set of labels for
 * metrics), or `undefined`.
 */
export class WebhookSourceAllowlist {
  private readonly entries: Array<{ label: string; addresses: AddressSet }> = [];

  /** Throws {@link AddressListError} naming the first entry that is neither a known name nor a CIDR. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const named = TRADECLOUD_SOURCE_ADDRESSES[entry.toLowerCase() as TradecloudSourceName];
      if (named) {
        this.entries.push({ label: entry.toLowerCase(), addresses: new AddressSet(named, false) });
        continue;
      }
      if (!/^[0-9a-fA-F.:/]+$/.test(entry)) {
        throw new AddressListError(`"${entry.slice(0, 80)}" is neither a CIDR nor one of ${Object.keys(TRADECLOUD_SOURCE_ADDRESSES).join(', ')}`);
      }
      this.entries.push({ label: entry, addresses: new AddressSet([entry], false) });
    }
    if (!this.entries.length) throw new AddressListError('the list is empty');
  }

  match(address: string): string | undefined {
    return this.entries.find((entry) => entry.addresses.has(address))?.label;
  }

  /** For the start log: `tradecloud-production (35.204.224.107, 34.90.20.233), 203.0.113.0/24`. */
  describe(): string {
    return this.entries
      .map(({ label }) => {
        const named = TRADECLOUD_SOURCE_ADDRESSES[label as TradecloudSourceName];
        return named ? `${label} (${named.join(', ')})` : label;
      })
      .join(', ');
  }
}
