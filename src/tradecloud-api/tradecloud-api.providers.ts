import { Provider } from '@nestjs/common';
import { TradecloudApiClient } from './tradecloud-api.client';

/** Providers the Tradecloud API client feature adds to TradecloudModule. */
export const TRADECLOUD_API_PROVIDERS: Provider[] = [TradecloudApiClient];
