import { Provider } from '@nestjs/common';

/** Providers the Tradecloud API client feature adds to TradecloudModule. */
export const TRADECLOUD_API_PROVIDERS: Provider[] = [];
