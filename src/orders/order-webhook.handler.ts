import { BadRequestException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readJsonBody, UnusableBodyError } from '../inbox/request-body';
import { validateBody } from '../inbox/validation-messages';
import { WebhookIntake } from '../inbox/webhook-intake.service';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { ORDER_PAYLOAD_KINDS, OrderWebhookBodyDto } from './dto/order-events.dto';

/**
 * Receives a POST order or order-documents webhook: read the body (after authentication),
 * validate it, store it, answer. Usable on a host's own routes when the built-in controllers
 * are turned off: `await handler.handle(req, res, 'orders')`.
 */
@Injectable()
export class OrderWebhookHandler {
  constructor(
    private readonly intake: WebhookIntake,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  async handle(request: Request, response: Response, endpoint: 'orders' | 'order-documents'): Promise<void> {
    let text: string;
    let json: Record<string, unknown>;
    try {
      ({ text, json } = (await readJsonBody(request, this.options.webhooks.bodyLimitBytes)) as { text: string; json: Record<string, unknown> });
    } catch (error) {
      if (error instanceof UnusableBodyError) {
        const eventId = await this.intake.reject({ endpoint, rawText: error.rawText, isJson: false, eventName: null, problems: [error.problem] });
        throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [error.problem], eventId });
      }
      throw error;
    }

    const problems = await validateBody(OrderWebhookBodyDto, json);
    const present = ORDER_PAYLOAD_KINDS.filter((kind) => json && typeof json === 'object' && json[kind] !== undefined && json[kind] !== null);
    if (problems.length === 0 && present.length !== 1) {
      problems.push(`body must contain exactly one of ${ORDER_PAYLOAD_KINDS.join(', ')} (found ${present.length ? present.join(', ') : 'none'})`);
    }
    const eventName = typeof json?.eventName === 'string' ? json.eventName : null;
    if (problems.length) {
      const eventId = await this.intake.reject({ endpoint, rawText: text, isJson: true, eventName, problems });
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems, eventId });
    }

    const payloadKind = present[0];
    const payload = json[payloadKind] as { orderId: string; meta?: { messageId?: unknown } };
    const topMeta = json.meta as { messageId?: unknown } | undefined;
    const messageId = [topMeta?.messageId, payload.meta?.messageId].find((id): id is string => typeof id === 'string' && id.length > 0);
    const result = await this.intake.accept({
      endpoint,
      payloadKind,
      eventName,
      entityId: payload.orderId,
      messageId: messageId ?? null,
      rawText: text,
    });
    response.status(result.duplicate ? HttpStatus.OK : HttpStatus.ACCEPTED).json({
      status: result.duplicate ? 'duplicate' : 'accepted',
      eventId: result.eventId,
    });
  }
}
