/**
 * Test kit that plays Tradecloud One: an API simulator (real HTTP on loopback), a webhook
 * sender with Tradecloud's retry rule, and builders of realistic webhook bodies. The builders
 * live in src/cli/simulate because the `simulate` CLI command ships them; the kit re-exports
 * them so tests and benchmarks build exactly the bodies the CLI sends.
 */
export { TradecloudSimulator } from './tradecloud-simulator';
export type { RecordedRequest, TradecloudSimulatorOptions } from './tradecloud-simulator';
export { API_ROUTES } from './fault-rules';
export type { FaultHandle, FaultRule, SimulatorRoute } from './fault-rules';
export type { SimulatedDocument } from './simulator-handlers';
export { MAX_POLL_LIMIT, PollableStore } from './simulator-poll';
export type { PollSettings } from './simulator-poll';
export { contentSha256, contentSize, contentStream } from './generated-content';
export type { GeneratedContent, SimulatedContent } from './generated-content';
export { collectDocumentReferences, registerDocuments } from './simulator-documents';
export type { FoundDocumentReference, RegisterDocumentsOptions } from './simulator-documents';
export { deliverGetWebhook, deliverWebhook, getWebhookUrl, sendWebhook, tradecloudRetries } from './webhook-sender';
export type {
  DeliveryOutcome,
  DeliveryPolicy,
  DeliveryResult,
  GetWebhookOptions,
  SendWebhookOptions,
  WebhookAuth,
  WebhookResponse,
} from './webhook-sender';
export {
  buildOrder,
  buildOrderEvent,
  buildSingleDeliveryOrderEvent,
  SAMPLE_BUYER_COMPANY_ID,
  SAMPLE_SUPPLIER_COMPANY_ID,
} from '../../../src/cli/simulate/order-builders';
export type { OrderBuildOptions, OrderEventBuildOptions, SingleDeliveryOrderEventBuildOptions } from '../../../src/cli/simulate/order-builders';
export { processStatusFor } from '../../../src/cli/simulate/order-lines';
export type { ProcessStatus } from '../../../src/cli/simulate/order-lines';
export { buildOrderDocumentsEvent } from '../../../src/cli/simulate/document-builders';
export type { OrderDocumentsEventBuildOptions } from '../../../src/cli/simulate/document-builders';
export { buildShipment, buildShipmentEvent } from '../../../src/cli/simulate/shipment-builders';
export type { ShipmentBuildOptions, ShipmentEventBuildOptions } from '../../../src/cli/simulate/shipment-builders';
export { addDays, addMilliseconds, linePosition, SeededRandom, stableUuid } from '../../../src/cli/simulate/deterministic';
