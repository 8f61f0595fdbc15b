import { AddressListError, compileTrustProxy, TrustHop, TrustProxySetting } from './trusted-proxies';
import { WebhookSourceAllowlist } from './webhook-sources';

/** `webhooks.trustProxy` and `webhooks.allowedSources`, checked and compiled. */
export interface ResolvedWebhookSourceOptions {
  /** As given, for the start log. */
  trustProxy?: TrustProxySetting;
  /** Unset: the caller is `request.ip` (the host's Express `trust proxy` decides; by default the socket's peer). */
  trustHop?: TrustHop;
  /** Unset: every address may call (authentication still applies). */
  allowlist?: WebhookSourceAllowlist;
}

export function resolveWebhookSourceOptions(
  options: { trustProxy?: TrustProxySetting; allowedSources?: readonly string[] } | undefined,
  problems: string[],
): ResolvedWebhookSourceOptions {
  const resolved: ResolvedWebhookSourceOptions = { trustProxy: options?.trustProxy };
  try {
    resolved.trustHop = compileTrustProxy(options?.trustProxy);
  } catch (error) {
    if (!(error instanceof AddressListError)) throw error;
    problems.push(`"webhooks.trustProxy": ${error.message}`);
  }
  if (options?.allowedSources !== undefined) {
    if (!Array.isArray(options.allowedSources)) {
      problems.push('"webhooks.allowedSources" must be an array of CIDRs and names');
    } else {
      try {
        resolved.allowlist = new WebhookSourceAllowlist(options.allowedSources);
      } catch (error) {
        if (!(error instanceof AddressListError)) throw error;
        problems.push(`"webhooks.allowedSources": ${error.message}`);
      }
    }
  }
  return resolved;
}
