import { DynamicModule, Module } from '@nestjs/common';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { DocumentContentService } from './document-content.service';
import { DocumentContentStorage } from './document-content.storage';
import { DocumentDownloadQueue } from './document-download.queue';
import { DocumentDownloadRepository } from './document-download.repository';
import { DocumentDownloader } from './document-downloader.service';
import { DocumentFetcher } from './document-fetcher';
import { DOCUMENT_HOST_RESOLVER, resolveWithDns } from './document-url-guard';
import { DocumentStore } from './document.store';
import { TRADECLOUD_DOCUMENTS_OPTIONS } from './documents-options';

export interface TradecloudDocumentsModuleImports {
  options: DynamicModule;
  database: DynamicModule;
  queue: DynamicModule;
  events: DynamicModule;
  tradecloudApi: DynamicModule;
}

/** Document references, their download jobs, and the stored content. */
@Module({})
export class TradecloudDocumentsModule {
  static register(imports: TradecloudDocumentsModuleImports): DynamicModule {
    return {
      module: TradecloudDocumentsModule,
      imports: [imports.options, imports.database, imports.queue, imports.events, imports.tradecloudApi],
      providers: [
        { provide: TRADECLOUD_DOCUMENTS_OPTIONS, inject: [RESOLVED_TRADECLOUD_OPTIONS], useFactory: (resolved: ResolvedTradecloudOptions) => resolved.documents },
        DocumentStore,
        DocumentDownloadQueue,
        DocumentDownloadRepository,
        DocumentContentStorage,
        { provide: DOCUMENT_HOST_RESOLVER, useValue: resolveWithDns },
        DocumentFetcher,
        DocumentDownloader,
        DocumentContentService,
      ],
      exports: [DocumentStore, DocumentContentStorage, DocumentContentService, DocumentDownloader],
    };
  }
}
