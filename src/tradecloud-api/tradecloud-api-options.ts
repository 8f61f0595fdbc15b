/**
 * How the module reaches the Tradecloud API (GET order/shipment, document downloads).
 * (Placeholder while the API client is built.)
 */
export interface TradecloudApiOptions {
  /** API base URL, e.g. `https://api.accp.tradecloud1.com/v2`. */
  baseUrl?: string;
}

export interface ResolvedTradecloudApiOptions {
  baseUrl?: string;
}

export function resolveTradecloudApiOptions(
  options: TradecloudApiOptions | undefined,
  problems: string[],
): ResolvedTradecloudApiOptions {
  void problems;
  return { baseUrl: options?.baseUrl };
}
