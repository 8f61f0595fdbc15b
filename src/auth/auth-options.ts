import { WebhookKind } from './webhook-kind';

/**
 * How Tradecloud authenticates when it calls the webhooks.
 * (Placeholder while the authentication issue is built: every option is accepted, nothing is enforced yet.)
 */
export interface TradecloudAuthOptions {
  /** Per-kind overrides. */
  kinds?: Partial<Record<WebhookKind, unknown>>;
}

export interface ResolvedAuthOptions {
  disabled: boolean;
}

export function resolveAuthOptions(options: TradecloudAuthOptions | undefined, problems: string[]): ResolvedAuthOptions {
  void options;
  void problems;
  return { disabled: true };
}
