import { beforeAll, describe, expect, it } from 'vitest';
import { setupTradecloudOpenApi } from '../../src';
import { useReceiver } from '../support/receiver-fixture';

interface Operation {
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { description: string }>;
  requestBody?: unknown;
}

describe('OpenAPI document of the webhook routes', () => {
  const receiver = useReceiver({ label: 'openapi', beforeListen: (app) => setupTradecloudOpenApi(app) });
  let document: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
  };

  beforeAll(async () => {
    const response = await fetch(`${receiver.url}/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as typeof document;
  });

  it('is OpenAPI 3 and lists every webhook route', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/tradecloud/webhooks/order-documents',
      '/tradecloud/webhooks/orders',
      '/tradecloud/webhooks/orders/{orderId}',
      '/tradecloud/webhooks/shipments',
      '/tradecloud/webhooks/shipments/{shipmentId}',
    ]);
    expect(Object.keys(document.paths['/tradecloud/webhooks/orders']).sort()).toEqual(['get', 'post']);
  });

  it('names the security schemes of every route (no OAuth on shipments) and every status with what Tradecloud does', () => {
    expect(document.components.securitySchemes).toMatchObject({
      basic: { type: 'http', scheme: 'basic' },
      bearer: { type: 'http', scheme: 'bearer' },
      oauth2: { type: 'oauth2' },
    });
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const schemes = (operation.security ?? []).flatMap((entry) => Object.keys(entry)).sort();
        expect(schemes, `${method} ${path}`).toEqual(path.includes('shipments') ? ['basic', 'bearer'] : ['basic', 'bearer', 'oauth2']);
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['202', '400', '401', '503']));
        for (const response of Object.values(operation.responses)) expect(response.description).toMatch(/Tradecloud: (delivered|dropped|retried)/);
        if (method === 'post') expect(operation.requestBody).toBeDefined();
      }
    }
  });

  it('lists application/xml (tXML) for the order routes, JSON only for shipments', () => {
    const mediaTypes = (path: string) => Object.keys((document.paths[path].post as unknown as { requestBody: { content: Record<string, unknown> } }).requestBody.content).sort();
    expect(mediaTypes('/tradecloud/webhooks/orders')).toEqual(['application/json', 'application/xml', 'text/xml']);
    expect(mediaTypes('/tradecloud/webhooks/order-documents')).toEqual(['application/json', 'application/xml', 'text/xml']);
    expect(mediaTypes('/tradecloud/webhooks/shipments')).toEqual(['application/json']);
  });

  it('states what the GET webhooks accept as an id (the same bound as the fetched-entity checks)', () => {
    const parameter = (path: string, name: string) =>
      (document.paths[path].get as unknown as { parameters: Array<{ name: string; in: string; schema: unknown }> }).parameters.find((p) => p.name === name);
    expect(parameter('/tradecloud/webhooks/shipments/{shipmentId}', 'shipmentId')).toMatchObject({ in: 'path', schema: { type: 'string', minLength: 1, maxLength: 200 } });
    expect(parameter('/tradecloud/webhooks/shipments', 'shipmentId')).toMatchObject({ in: 'query', schema: { type: 'string', maxLength: 200 } });
    expect(parameter('/tradecloud/webhooks/orders/{orderId}', 'orderId')).toMatchObject({ in: 'path', schema: { type: 'string', format: 'uuid' } });
  });

  it('serves the UI at /docs', async () => {
    const response = await fetch(`${receiver.url}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger');
  });
});
