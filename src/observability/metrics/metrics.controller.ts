import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { parseAuthorization } from '../../auth/authorization-header';
import { SecretMatcher } from '../../auth/secret-comparison';
import { TradecloudMetrics } from './tradecloud-metrics';

export const TRADECLOUD_METRICS_OPTIONS = 'TRADECLOUD_METRICS_OPTIONS';

export interface TradecloudMetricsOptions {
  /** Serve `GET /metrics` (default `false`: the host serves `TradecloudMetrics.metrics()` itself). */
  controller?: boolean;
  /** When set, `GET /metrics` requires `Authorization: Bearer <bearerToken>` (compared in constant time). */
  bearerToken?: string;
}

/** `GET /metrics`: Prometheus text format; optionally behind a bearer token of its own (not a webhook credential). */
@Controller()
export class MetricsController {
  private readonly matcher = new SecretMatcher();
  private readonly expected?: Buffer;

  constructor(
    private readonly metrics: TradecloudMetrics,
    @Inject(TRADECLOUD_METRICS_OPTIONS) options: TradecloudMetricsOptions,
  ) {
    this.expected = options.bearerToken ? this.matcher.digest(options.bearerToken) : undefined;
  }

  @Get('metrics')
  async scrape(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (this.expected && !this.authorized(request)) {
      response.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      response.json({ statusCode: 401, message: 'Unauthorized' });
      return;
    }
    const text = await this.metrics.metrics();
    response.status(200).setHeader('Content-Type', this.metrics.contentType);
    response.end(text); // not send(): Express would rewrite the content type's parameters
  }

  private authorized(request: Request): boolean {
    const parsed = parseAuthorization(request.headers.authorization);
    // The digest is computed whatever the header holds, so a missing or odd header costs the same.
    const candidate = this.matcher.digest(parsed?.scheme === 'bearer' ? parsed.credentials : '');
    return this.matcher.matches(candidate, this.expected!) && parsed?.scheme === 'bearer';
  }
}
