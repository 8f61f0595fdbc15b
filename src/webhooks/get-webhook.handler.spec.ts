import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { sample } from '../../test/support/samples';
import { FIELD_LIMITS } from '../inbox/field-limits';
import { validateBody } from '../inbox/validation-messages';
import type { WebhookIntake } from '../inbox/webhook-intake.service';
import { OrderEventDto } from '../orders/dto/order-events.dto';
import { ShipmentDto } from '../shipments/dto/shipment-webhook.dto';
import type { TradecloudApiClient } from '../tradecloud-api/tradecloud-api.client';
import { GetWebhookHandler } from './get-webhook.handler';

type Answer = { status: number; body?: unknown; problems?: string[] };

/** Calls the handler with the id in the path and tells what it answered (or refused, and why). */
async function call(kind: 'orderId' | 'shipmentId', id: string): Promise<Answer> {
  let problems: string[] | undefined;
  const intake = {
    reject: async (rejection: { problems: string[] }) => {
      problems = rejection.problems;
      return '11';
    },
    accept: async () => ({ eventId: '12', duplicate: false }),
  } as unknown as WebhookIntake;
  const handler = new GetWebhookHandler(intake, { isConfigured: true } as TradecloudApiClient);
  const answer: Answer = { status: 0 };
  const response = {
    locals: {},
    status(code: number) {
      answer.status = code;
      return this;
    },
    json(body: unknown) {
      answer.body = body;
    },
  } as unknown as Response;
  const request = { params: { [kind]: id }, query: {} } as unknown as Request;
  try {
    await (kind === 'orderId' ? handler.handleOrder(request, response) : handler.handleShipment(request, response));
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { status: 400, body: error.getResponse(), problems };
  }
  return answer;
}

/** What the processing of the GET event then checks on the fetched entity's id. */
async function fetchedShipmentProblems(id: string): Promise<string[]> {
  return validateBody(ShipmentDto, { ...sample('get-shipment-response'), id });
}
async function fetchedOrderProblems(id: string): Promise<string[]> {
  return validateBody(OrderEventDto, { ...sample('get-order-response'), orderId: id });
}

describe('GetWebhookHandler ids', () => {
  it(`accepts a shipmentId of ${FIELD_LIMITS.id} characters, as the fetched shipment's id check does`, async () => {
    const id = `dcf95157-6451-4be2-a92e-a13a151f9572-${'S'.repeat(FIELD_LIMITS.id - 37)}`;
    expect(id).toHaveLength(200);
    expect(await call('shipmentId', id)).toEqual({ status: 202, body: { status: 'accepted', eventId: '12' } });
    expect(await fetchedShipmentProblems(id)).toEqual([]);
  });

  it('refuses a shipmentId of 201 characters (it used to accept up to 500), as the fetched shipment check would', async () => {
    const id = 'S'.repeat(201);
    const answer = await call('shipmentId', id);
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual(['shipmentId must be a non-empty text of at most 200 characters']);
    expect(answer.body).toMatchObject({ message: ['shipmentId must be a non-empty text of at most 200 characters'], eventId: '11' });
    expect(await fetchedShipmentProblems(id)).toEqual(['id must be at most 200 characters long']);
    expect((await call('shipmentId', 'S'.repeat(500))).status).toBe(400);
  });

  it('refuses an empty or blank shipmentId', async () => {
    expect((await call('shipmentId', '')).status).toBe(400);
    expect((await call('shipmentId', '   ')).status).toBe(400);
  });

  it('accepts an orderId that the fetched order check accepts', async () => {
    const id = 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718';
    expect((await call('orderId', id)).status).toBe(202);
    expect(await fetchedOrderProblems(id)).toEqual([]);
  });

  it.each(['not-a-uuid', 'd0d74b64-fe9c-0af2-b5b3-9ebd6bdae718', 'd0d74b64-fe9c-4af2-c5b3-9ebd6bdae718', `d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718${'0'.repeat(200)}`])(
    'refuses the orderId %s, which the fetched order check would refuse too',
    async (id) => {
      const answer = await call('orderId', id);
      expect(answer).toMatchObject({ status: 400, problems: ['orderId must be a UUID'] });
      expect(await fetchedOrderProblems(id)).toEqual(['orderId must be a UUID']);
    },
  );
});
