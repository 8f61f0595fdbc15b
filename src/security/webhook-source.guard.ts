import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { RefusalLogLimiter } from '../auth/refusal-log-limiter';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { resolveRequestClientAddress } from './client-address';
import { ResolvedWebhookSourceOptions } from './webhook-source-options';
import { UNFILTERED_SOURCE, UNLISTED_SOURCE } from './webhook-sources';

/** What the source guard found, for the observer (`response.locals.tradecloudSource`; handlers own `locals.tradecloud`). */
export interface WebhookSourceFacts {
  clientAddress?: string;
  /** The allowlist entry that admitted the caller, `unlisted` (refused) or `unfiltered`. */
  source?: string;
}

/**
 * The module's caller-address and source-filter settings, and the start-log lines that say
 * which are active.
 */
@Injectable()
export class WebhookSourcePolicy implements OnModuleInit {
  private readonly logger = new Logger('WebhookSources');
  readonly options: ResolvedWebhookSourceOptions;

  constructor(@Optional() @Inject(RESOLVED_TRADECLOUD_OPTIONS) resolved?: ResolvedTradecloudOptions) {
    this.options = resolved?.webhookSources ?? {};
  }

  onModuleInit(): void {
    const { trustProxy, trustHop, allowlist } = this.options;
    this.logger.log(
      trustHop
        ? `Caller addresses: from X-Forwarded-For through trusted proxies (trustProxy / TRUST_PROXY = ${JSON.stringify(trustProxy)})`
        : 'Caller addresses: request.ip (standalone: the connecting peer; X-Forwarded-For is ignored unless TRUST_PROXY is set)',
    );
    if (trustProxy === true) this.logger.warn('trustProxy / TRUST_PROXY = true believes every X-Forwarded-For hop: only safe when a proxy overwrites the header');
    this.logger.log(
      allowlist
        ? `Webhook source filter active: only ${allowlist.describe()} may call; any other address gets 403 before authentication`
        : 'Webhook source filter off (allowedSources / WEBHOOK_ALLOWED_SOURCES unset): every address reaches authentication',
    );
  }
}

/**
 * Runs after the observer and before authentication on every webhook route: works out the
 * caller's address (through trusted proxies only) and, when a source allowlist is configured,
 * answers 403 to any other address, before a credential is looked at. Refusals are logged
 * within a per-address budget. On a host's own routes put it between `WebhookObserverGuard`
 * (if used) and `WebhookAuthGuard`.
 */
@Injectable()
export class WebhookSourceGuard implements CanActivate {
  private readonly logger = new Logger('WebhookSources');
  private readonly refusalLog = new RefusalLogLimiter();
  private policy?: WebhookSourcePolicy;

  // Injected where the guard's module sees the security feature (TradecloudModule's own routes),
  // otherwise looked up (a host's own routes).
  constructor(
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(WebhookSourcePolicy) policy?: WebhookSourcePolicy,
  ) {
    this.policy = policy;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const { trustHop, allowlist } = this.resolvePolicy().options;
    const clientAddress = resolveRequestClientAddress(request, trustHop);
    const source = allowlist ? (allowlist.match(clientAddress) ?? UNLISTED_SOURCE) : UNFILTERED_SOURCE;
    if (response.locals) response.locals.tradecloudSource = { clientAddress, source } satisfies WebhookSourceFacts;
    if (source !== UNLISTED_SOURCE) return true;
    const path = (request.originalUrl ?? request.url ?? '').split('?')[0].slice(0, 200);
    const line = this.refusalLog.admit(clientAddress, `Refused ${request.method} ${path} from ${clientAddress} with 403: not in the webhook source allowlist`);
    if (line) this.logger.warn(line);
    throw new ForbiddenException();
  }

  private resolvePolicy(): WebhookSourcePolicy {
    if (!this.policy) {
      try {
        this.policy = this.moduleRef.get(WebhookSourcePolicy, { strict: true });
      } catch {
        this.policy = this.moduleRef.get(WebhookSourcePolicy, { strict: false });
      }
    }
    return this.policy;
  }
}
