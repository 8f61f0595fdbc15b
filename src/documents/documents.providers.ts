import { Provider } from '@nestjs/common';
import { DocumentStore } from './document.store';

/** Providers the documents feature adds to TradecloudModule. */
export const DOCUMENT_PROVIDERS: Provider[] = [DocumentStore];
