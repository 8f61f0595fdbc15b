import { Provider } from '@nestjs/common';
import { DocumentContentService } from './document-content.service';
import { DocumentContentStorage } from './document-content.storage';
import { DocumentDownloadQueue } from './document-download.queue';
import { DocumentDownloadRepository } from './document-download.repository';
import { DocumentDownloader } from './document-downloader.service';
import { DocumentFetcher } from './document-fetcher';
import { DOCUMENT_HOST_RESOLVER, resolveWithDns } from './document-url-guard';
import { DocumentStore } from './document.store';

/** Providers the documents feature adds to TradecloudModule. */
export const DOCUMENT_PROVIDERS: Provider[] = [
  DocumentStore,
  DocumentDownloadQueue,
  DocumentDownloadRepository,
  DocumentContentStorage,
  { provide: DOCUMENT_HOST_RESOLVER, useValue: resolveWithDns },
  DocumentFetcher,
  DocumentDownloader,
  DocumentContentService,
];
