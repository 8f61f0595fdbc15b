/**
 * How big each scenario is. `RELIABILITY_SCALE=ci` is the reduced run that CI does on every
 * submission (a few minutes in all); anything else is the full run described in issue 10.
 */
export type ReliabilityScale = 'full' | 'ci';

export const SCALE: ReliabilityScale = process.env.RELIABILITY_SCALE?.trim().toLowerCase() === 'ci' ? 'ci' : 'full';

const SIZES = {
  full: {
    duplicates: { copies: 50 },
    disorder: { events: 2_000, orders: 100, shipments: 20, duplicateShare: 0.1, clients: 20 },
    databaseOutage: { events: 1_000, orders: 50, clients: 10, outageMs: 8_000 },
    crash: { events: 600, orders: 30, clients: 10 },
    apiOutage: { orders: 60, shipments: 15, unknown: 10, outageMs: 15_000 },
    hostile: { generated: 10_000, concurrency: 8 },
    auth: { perScheme: 1_000, timingSamples: 1_000 },
    slowClients: { slowBodies: 100, slowHeaders: 20, events: 1_000, clients: 8 },
  },
  ci: {
    duplicates: { copies: 50 },
    disorder: { events: 400, orders: 20, shipments: 4, duplicateShare: 0.1, clients: 20 },
    databaseOutage: { events: 200, orders: 10, clients: 10, outageMs: 4_000 },
    crash: { events: 150, orders: 10, clients: 10 },
    apiOutage: { orders: 12, shipments: 4, unknown: 3, outageMs: 6_000 },
    hostile: { generated: 2_000, concurrency: 8 },
    auth: { perScheme: 200, timingSamples: 300 },
    slowClients: { slowBodies: 10, slowHeaders: 5, events: 100, clients: 4 },
  },
} as const;

export const SIZES_FOR_SCALE = SIZES[SCALE];
