import { stableUuid } from './deterministic';
import { buildOrderDocumentsEvent } from './document-builders';
import { buildOrderEvent, SIMULATED_SUPPLIERS } from './order-builders';
import { buildShipmentEvent } from './shipment-builders';

export type WebhookRoute = 'orders' | 'order-documents' | 'shipments';

/** One webhook call of a scenario. */
export interface SimulatedDelivery {
  route: WebhookRoute;
  eventName: string;
  orderId: string;
  purchaseOrderNumber: string;
  shipmentId?: string;
  body: unknown;
}

export interface ScenarioPlan {
  deliveries: SimulatedDelivery[];
  /** Sent all at once (bounded by --concurrency) instead of one after the other. */
  concurrent: boolean;
}

interface Scenario {
  description: string;
  plan(settings: { seed: number; count: number; startedAt: number }): ScenarioPlan;
}

/** The life of one order, step by step; each step one second newer than the previous (lastUpdatedAt). */
const STEPS = ['issued', 'proposal', 'confirmation', 'documents', 'shipment-issued', 'shipment-approved'] as const;
type Step = (typeof STEPS)[number];

function orderStory(seed: number, startedAt: number) {
  const orderId = stableUuid('simulated-order', seed);
  const purchaseOrderNumber = `SIM-${orderId.slice(0, 8).toUpperCase()}`;
  const at = (index: number) => new Date(startedAt + index * 1000).toISOString();
  // Orders go to several suppliers; each order's documents and shipments come from its own.
  const supplierCompanyId = SIMULATED_SUPPLIERS[seed % SIMULATED_SUPPLIERS.length].companyId;
  const order = (eventName: string, index: number): SimulatedDelivery => ({
    route: 'orders',
    eventName,
    orderId,
    purchaseOrderNumber,
    body: buildOrderEvent({ seed, orderId, purchaseOrderNumber, supplierCompanyId, eventName, lastUpdatedAt: at(index), lineCount: 2 }),
  });
  const shipmentNumber = `SIM-SHP-${orderId.slice(0, 6).toUpperCase()}`;
  const shipment = (eventName: string, index: number): SimulatedDelivery => {
    const body = buildShipmentEvent({ seed, shipmentNumber, purchaseOrderNumber, supplierCompanyId, eventName, lastUpdatedAt: at(index), lineCount: 2, documentCount: 1 });
    return { route: 'shipments', eventName, orderId, purchaseOrderNumber, shipmentId: body.shipment.id, body };
  };
  const steps: Record<Step, () => SimulatedDelivery> = {
    issued: () => order('OrderIssuedByBuyer', 0),
    proposal: () => order('OrderChangesProposedBySupplier', 1),
    confirmation: () => order('OrderLinesAcceptedBySupplier', 2),
    documents: () => ({
      route: 'order-documents',
      eventName: 'OrderDocumentsAttachedBySupplier',
      orderId,
      purchaseOrderNumber,
      body: buildOrderDocumentsEvent({ seed, orderId, purchaseOrderNumber, supplierCompanyId, lastUpdatedAt: at(3), lineNumbers: [1, 2] }),
    }),
    'shipment-issued': () => shipment('ShipmentIssuedBySupplier', 4),
    'shipment-approved': () => shipment('ShipmentApprovedByBuyer', 5),
  };
  return (...names: Step[]) => names.map((name) => steps[name]());
}

const sequence = (...names: Step[]): Scenario['plan'] =>
  ({ seed, startedAt }) => ({ deliveries: orderStory(seed, startedAt)(...names), concurrent: false });

export const SCENARIOS: Record<string, Scenario> = {
  'new-order': { description: 'a buyer issues a new order (2 lines)', plan: sequence('issued') },
  'supplier-proposal': { description: 'new order, then the supplier proposes other dates/prices', plan: sequence('issued', 'proposal') },
  confirmation: { description: 'new order, then the supplier confirms it', plan: sequence('issued', 'confirmation') },
  'documents-attached': { description: 'new order, then the supplier attaches certificates to the header and lines', plan: sequence('issued', 'documents') },
  'shipment-issued': { description: 'confirmed order, then the supplier issues a shipment for its lines', plan: sequence('issued', 'confirmation', 'shipment-issued') },
  'shipment-approved': {
    description: 'confirmed order, shipment issued, then approved by the buyer',
    plan: sequence('issued', 'confirmation', 'shipment-issued', 'shipment-approved'),
  },
  lifecycle: { description: 'all of the above for one order, in order', plan: sequence(...STEPS) },
  'out-of-order': {
    description: 'the confirmation arrives before the older proposal (the proposal ends "stale")',
    plan: sequence('issued', 'confirmation', 'proposal'),
  },
  duplicates: {
    description: 'every event delivered twice, as Tradecloud does after a timeout (second answer: 200 duplicate)',
    plan: ({ seed, startedAt }) => {
      const story = orderStory(seed, startedAt);
      return { deliveries: [...story('issued'), ...story('issued'), ...story('shipment-issued'), ...story('shipment-issued')], concurrent: false };
    },
  },
  burst: {
    description: 'N events (--count, default 50) for N/6 orders at once: order, proposal, confirmation, documents, shipment',
    plan: ({ seed, count, startedAt }) => {
      const deliveries: SimulatedDelivery[] = [];
      for (let order = 0; deliveries.length < count; order++) {
        for (const delivery of orderStory(seed * 100_000 + order, startedAt)(...STEPS)) if (deliveries.length < count) deliveries.push(delivery);
      }
      return { deliveries, concurrent: true };
    },
  },
};

export function scenarioHelp(): string {
  return Object.entries(SCENARIOS)
    .map(([name, scenario]) => `  ${name.padEnd(20)}${scenario.description}`)
    .join('\n');
}
