import { BadRequestException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { WebhookRequestFacts } from '../observability/webhook-observer.guard';
import { IntakeBodyBudget } from './body-budget';
import { ExactBodyUnavailableError, readJsonBody, UnusableBodyError } from './request-body';
import { formatProblem, isXmlContentType, readTxmlBody } from './txml/txml-request-body';
import { txmlShapeOf } from './txml/txml-schema';
import { validateBody } from './validation-messages';
import { InboxSignal } from '../queue/inbox-signal';
import { isBodyDataError, WebhookIntake } from './webhook-intake.service';

/** What a valid body is, as far as the inbox needs to know. */
export interface EventIdentity {
  payloadKind: string;
  entityId: string;
  messageId: string | null;
  /** The business numbers a user knows the event by (`webhook_events.purchase_order_number`, `shipment_number`). */
  purchaseOrderNumber?: string | null;
  shipmentNumber?: string | null;
  /** `meta.source.companyId`: the company whose action caused the event. */
  actingCompanyId?: string | null;
}

/** How one POST webhook route reads its body. */
export interface JsonWebhookSpec<T extends object> {
  /** Route name stored on the event (`orders`, `order-documents`, `shipments`). */
  endpoint: string;
  dto: new () => T;
  /** Checks beyond the DTO (problems), or the identity of a valid body. */
  identify(body: Record<string, unknown>): { problems: string[] } | EventIdentity;
  /** Also accepts tXML (Content-Type application/xml, text/xml, +xml), converted to JSON by the DTO's schema. */
  txml?: boolean;
}

/**
 * The common path of every POST webhook, after authentication: read the body, validate it,
 * keep it as `rejected` with the reasons when invalid (400 naming each field), otherwise commit
 * it to the inbox and answer 202 (200 for a redelivery).
 */
@Injectable()
export class JsonWebhookReceiver {
  private readonly logger = new Logger('TradecloudWebhook');

  constructor(
    private readonly intake: WebhookIntake,
    private readonly inbox: InboxSignal,
    private readonly bodies: IntakeBodyBudget,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  async receive<T extends object>(request: Request, response: Response, spec: JsonWebhookSpec<T>): Promise<void> {
    this.inbox.requestStarted();
    try {
      // Room for the body (by its declared length) before its first byte is read, until its event
      // is stored or refused. A length above the limit is refused unread (413): nothing to hold.
      const declared = Number(request.headers['content-length']);
      const bytes = Number.isInteger(declared) && declared > 0 && declared <= this.options.webhooks.bodyLimitBytes ? declared : 0;
      const release = bytes ? await this.bodies.reserve(bytes) : undefined;
      try {
        await this.receiveBody(request, response, spec);
      } finally {
        release?.();
      }
    } finally {
      this.inbox.requestEnded();
    }
  }

  private async receiveBody<T extends object>(request: Request, response: Response, spec: JsonWebhookSpec<T>): Promise<void> {
    const { endpoint } = spec;
    let text: string;
    let json: unknown;
    // A tXML request: `text` is its JSON conversion (stored in `body`), `original` the XML (kept in `raw_body`).
    let original: Buffer | string | undefined;
    try {
      if (spec.txml && isXmlContentType(request.headers['content-type'])) {
        ({ text, json, original } = await readTxmlBody(request, this.options.webhooks.bodyLimitBytes, txmlShapeOf(spec.dto)));
      } else {
        ({ text, json } = await readJsonBody(request, this.options.webhooks.bodyLimitBytes));
      }
    } catch (error) {
      if (error instanceof ExactBodyUnavailableError) this.logger.error(`${endpoint}: ${ExactBodyUnavailableError.explanation}`);
      if (!(error instanceof UnusableBodyError)) throw error;
      const problem = formatProblem(error.problem, error.rawText, !!spec.txml);
      const eventId = await this.intake.reject({ endpoint, rawText: error.rawText, isJson: false, eventName: null, problems: [problem] });
      response.locals.tradecloud = { endpoint, eventId } satisfies WebhookRequestFacts;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [problem], eventId });
    }

    let body = (json && typeof json === 'object' && !Array.isArray(json) ? json : {}) as Record<string, unknown>;
    const eventName = typeof body.eventName === 'string' ? body.eventName : null;
    const facts: WebhookRequestFacts = { endpoint, eventName };
    response.locals.tradecloud = facts;
    let problems = await validateBody(spec.dto, json);
    const identity = problems.length ? undefined : spec.identify(body);
    if (identity && 'problems' in identity) problems = identity.problems;
    if (problems.length || !identity || 'problems' in identity) {
      const eventId = await this.intake.reject({ endpoint, rawText: text, isJson: true, eventName, problems, originalBody: original });
      facts.eventId = eventId;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems, eventId });
    }

    facts.entityId = identity.entityId;
    // The parsed tree (tens of megabytes for a 5,000-line order) is handed to intake, which gives a
    // large one to this instance's workers (its exact numbers filled in, no second parse) and lets
    // the others be collected while the INSERT runs. Nothing here uses it any more.
    const event = { endpoint, eventName, rawText: text, parsed: json, originalBody: original, ...identity };
    json = undefined;
    body = {};
    let result;
    try {
      result = await this.intake.accept(event);
    } catch (error) {
      // Content PostgreSQL cannot store (jsonb's limits) is the body's fault: refuse it, never 503 it.
      if (!isBodyDataError(error)) throw error;
      const problem = `The body cannot be stored: ${(error as Error).message}`;
      const eventId = await this.intake.reject({ endpoint, rawText: original === undefined ? text : original.toString('utf8'), isJson: false, eventName, problems: [problem] });
      facts.eventId = eventId;
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [problem], eventId });
    }
    facts.eventId = result.eventId;
    response.status(result.duplicate ? HttpStatus.OK : HttpStatus.ACCEPTED).json({
      status: result.duplicate ? 'duplicate' : 'accepted',
      eventId: result.eventId,
    });
  }
}

/** The first `meta.source.companyId` among the given meta objects (a text of at most 100 characters). */
export function firstActingCompanyId(...metas: unknown[]): string | null {
  for (const meta of metas) {
    const id = (meta as { source?: { companyId?: unknown } } | undefined)?.source?.companyId;
    if (typeof id === 'string' && id.length > 0 && id.length <= 100) return id;
  }
  return null;
}

/** The first non-empty `messageId` among the given meta objects. */
export function firstMessageId(...metas: unknown[]): string | null {
  for (const meta of metas) {
    const id = (meta as { messageId?: unknown } | undefined)?.messageId;
    if (typeof id === 'string' && id.length > 0) return id;
  }
  return null;
}
