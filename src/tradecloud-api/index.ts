export { TradecloudApiClient } from './tradecloud-api.client';
export type { TradecloudDocumentMetadata, TradecloudDownloadOptions } from './tradecloud-api.client';
export type { TradecloudDownload } from './download-body';
export { TradecloudApiError } from './tradecloud-api.error';
export type { TradecloudApiEndpoint, TradecloudApiErrorCode } from './tradecloud-api.error';
export type { TradecloudApiCall, TradecloudApiCallListener } from './tradecloud-http';
export { ConnectAddressRefusedError } from './tradecloud-http';
export {
  readTradecloudApiEnvironment,
  resolveTradecloudApiOptions,
  TRADECLOUD_ACCEPTANCE_API_URL,
  TRADECLOUD_API_DEFAULTS,
  TRADECLOUD_PRODUCTION_API_URL,
} from './tradecloud-api-options';
export type { ResolvedTradecloudApiOptions, TradecloudApiOptions } from './tradecloud-api-options';
export { PostgresRequestBudget } from './postgres-request-budget';
export { MAX_POLL_LIMIT } from './poll-response';
export type { PollKind, TradecloudPollPage, TradecloudPollRequest } from './poll-response';
export type { TradecloudRequestBudget } from './tradecloud-http';
