import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Optional, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { clientAddressOf } from '../security/client-address';
import { RefusalLogLimiter } from './refusal-log-limiter';
import { WebhookAuthenticator } from './webhook-authenticator';
import { WebhookAuthRejection, WebhookAuthUnavailable } from './webhook-auth-errors';
import { ForWebhookKind } from './webhook-kind';

/**
 * Authenticates a webhook request with the schemes configured for its kind (see
 * `ForWebhookKind`), from the headers alone. Refusal: 401 with `WWW-Authenticate` naming the
 * accepted schemes and a body that says nothing more; when the credentials cannot be checked now
 * (JWKS unreachable): 503 with `Retry-After`, so Tradecloud retries. The log line (context
 * `WebhookAuth`) says why, never with a secret. On success `request.user` is the
 * {@link WebhookPrincipal}.
 */
@Injectable()
export class WebhookAuthGuard implements CanActivate {
  private readonly logger = new Logger('WebhookAuth');
  private readonly refusalLog = new RefusalLogLimiter();
  private authenticator?: WebhookAuthenticator;

  // Injected where the guard's module sees the auth feature (TradecloudModule's own routes), and
  // otherwise looked up, so that the guard also works on a host application's own controllers, in
  // modules that do not import TradecloudModule's providers.
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(WebhookAuthenticator) authenticator?: WebhookAuthenticator,
  ) {
    this.authenticator = authenticator;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.getAllAndOverride(ForWebhookKind, [context.getHandler(), context.getClass()]);
    if (!kind) {
      throw new Error(`${context.getClass().name}.${context.getHandler().name} uses WebhookAuthGuard without @ForWebhookKind(...)`);
    }
    const authenticator = this.resolveAuthenticator();
    if (authenticator.disabled) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: unknown }>();
    const response = context.switchToHttp().getResponse<Response>();
    try {
      const principal = await authenticator.authenticate(kind, request, response);
      request.user = principal;
      this.logger.debug(`${describeRequest(request)}: authenticated by ${principal.scheme} as ${JSON.stringify(principal.subject)} (${kind})`);
      return true;
    } catch (error) {
      if (error instanceof WebhookAuthRejection) {
        this.warnLimited(request, `Refused ${describeRequest(request)} (${kind}) with 401: ${error.message}`);
        setHeader(response, 'WWW-Authenticate', authenticator.challenges(kind));
        throw new UnauthorizedException();
      }
      if (error instanceof WebhookAuthUnavailable) {
        this.warnLimited(request, `Answered ${describeRequest(request)} (${kind}) with 503, credentials not checkable now: ${error.message}`);
        setHeader(response, 'Retry-After', String(error.retryAfterSeconds));
        throw new ServiceUnavailableException();
      }
      throw error;
    }
  }

  /** A refusal's warning, within the per-address budget of {@link RefusalLogLimiter}. */
  private warnLimited(request: Request, message: string): void {
    const line = this.refusalLog.admit(callerAddress(request), message);
    if (line) this.logger.warn(line);
  }

  private resolveAuthenticator(): WebhookAuthenticator {
    if (!this.authenticator) {
      try {
        this.authenticator = this.moduleRef.get(WebhookAuthenticator, { strict: true });
      } catch {
        this.authenticator = this.moduleRef.get(WebhookAuthenticator, { strict: false });
      }
    }
    return this.authenticator;
  }
}

/** Method, path without the query string, and the caller's address: enough to find the request, nothing secret. */
function describeRequest(request: Request): string {
  const path = (request.originalUrl ?? request.url ?? '').split('?')[0].slice(0, 200);
  return `${request.method} ${path} from ${callerAddress(request)}`;
}

/** Through trusted proxies only (see `WebhookSourceGuard`, which runs first on the module's routes). */
function callerAddress(request: Request): string {
  return clientAddressOf(request);
}

/** Works on Express responses and Fastify replies alike. */
function setHeader(response: Response, name: string, value: string | string[]): void {
  const reply = response as unknown as { setHeader?: (n: string, v: string | string[]) => void; header?: (n: string, v: string | string[]) => void };
  if (typeof reply.setHeader === 'function') reply.setHeader(name, value);
  else reply.header?.(name, value);
}
