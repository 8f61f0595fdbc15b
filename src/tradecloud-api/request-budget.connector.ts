import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { PostgresRequestBudget } from './postgres-request-budget';
import { TradecloudApiClient } from './tradecloud-api.client';

/**
 * Gives the module's API client the requests-per-second budget it shares, through the module's
 * database, with every other instance and the CLI (polling, GET webhook fetches and document
 * calls together stay within `tradecloudApi.requestsPerSecond`).
 */
@Injectable()
export class RequestBudgetConnector implements OnModuleInit {
  constructor(
    private readonly api: TradecloudApiClient,
    private readonly database: TradecloudDatabase,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  onModuleInit(): void {
    if (!this.options.tradecloudApi.configured) return;
    const budget = new PostgresRequestBudget(
      (text, values) => this.database.query(text, values),
      this.database.table('api_request_budget'),
      this.options.tradecloudApi.requestsPerSecond,
    );
    this.api.useRequestBudget(budget);
  }
}
