/**
 * Test kit that plays Tradecloud One: an API simulator (real HTTP on loopback), a webhook
 * sender with Tradecloud's retry rule, and builders of realistic webhook bodies.
 */
export { TradecloudSimulator } from './tradecloud-simulator';
export type { RecordedRequest, TradecloudSimulatorOptions } from './tradecloud-simulator';
export { API_ROUTES } from './fault-rules';
export type { FaultHandle, FaultRule, SimulatorRoute } from './fault-rules';
export type { SimulatedDocument } from './simulator-handlers';
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
} from './builders/order-builders';
export type { OrderBuildOptions, OrderEventBuildOptions, SingleDeliveryOrderEventBuildOptions } from './builders/order-builders';
export { processStatusFor } from './builders/order-lines';
export type { ProcessStatus } from './builders/order-lines';
export { buildOrderDocumentsEvent } from './builders/document-builders';
export type { OrderDocumentsEventBuildOptions } from './builders/document-builders';
export { buildShipment, buildShipmentEvent } from './builders/shipment-builders';
export type { ShipmentBuildOptions, ShipmentEventBuildOptions } from './builders/shipment-builders';
export { addDays, addMilliseconds, linePosition, loadSample, SeededRandom, stableUuid } from './builders/deterministic';
export type { SampleName } from './builders/deterministic';
