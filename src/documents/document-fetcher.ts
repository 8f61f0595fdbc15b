import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { LookupFunction } from 'node:net';
import { TradecloudDownload } from '../tradecloud-api/download-body';
import { TradecloudApiClient } from '../tradecloud-api/tradecloud-api.client';
import { TradecloudApiError } from '../tradecloud-api/tradecloud-api.error';
import { StagedContent } from './content-staging';
import { DocumentContentStorage } from './document-content.storage';
import { downloadErrorMessage } from './document-download.error';
import { connectTimeLookup, DOCUMENT_HOST_RESOLVER, HostResolver, publicAddressGuard, resolveWithDns } from './document-url-guard';
import { ResolvedDocumentsOptions, TRADECLOUD_DOCUMENTS_OPTIONS } from './documents-options';

/** What to download: an object in Tradecloud's object storage, else a partner's URL. */
export interface DownloadTarget {
  objectId: string | null;
  url: string | null;
}

/** A downloaded document, staged in a temporary file. */
export interface FetchedDocument {
  staged: StagedContent;
  filename: string | null;
  contentType: string | null;
  /** Which way it came: the pre-signed link, Tradecloud's proxy, or the partner's URL. */
  via: 'presigned' | 'proxy' | 'url';
}

/**
 * Downloads one document the way Tradecloud prescribes: for an `objectId` the metadata call,
 * then the pre-signed link at once and without our credentials, falling back to the proxy
 * download with the token; for a `url` a plain GET with no Tradecloud credentials, refused when
 * it leads to a non-public address (unless allowed).
 */
@Injectable()
export class DocumentFetcher {
  private readonly logger = new Logger('TradecloudDocuments');
  private readonly options: ResolvedDocumentsOptions;
  private readonly checkPartnerUrl?: (url: URL) => Promise<void>;
  /** Resolves partner hosts when connecting; refuses non-public addresses unless allowed. */
  private readonly partnerLookup: LookupFunction;

  constructor(
    private readonly api: TradecloudApiClient,
    private readonly storage: DocumentContentStorage,
    @Inject(TRADECLOUD_DOCUMENTS_OPTIONS) options: ResolvedDocumentsOptions,
    @Optional() @Inject(DOCUMENT_HOST_RESOLVER) resolver?: HostResolver,
  ) {
    this.options = options;
    const resolve = resolver ?? resolveWithDns;
    this.checkPartnerUrl = this.options.allowPrivateAddresses ? undefined : publicAddressGuard(resolve);
    this.partnerLookup = connectTimeLookup(resolve, !this.options.allowPrivateAddresses);
  }

  fetch(target: DownloadTarget): Promise<FetchedDocument> {
    if (target.objectId) return this.fetchObject(target.objectId);
    if (target.url) return this.fetchUrl(target.url);
    throw new Error('a document without objectId and url has nothing to download');
  }

  private async fetchObject(objectId: string): Promise<FetchedDocument> {
    const metadata = await this.api.getDocumentMetadata(objectId);
    const maxBytes = this.options.maxBytes;
    let presignedError: unknown;
    try {
      // The link lives about a minute: one quick retry, then the proxy is the better bet.
      const download = await this.api.downloadFromUrl(metadata.downloadUrl, { maxBytes, maxRetries: 1 });
      const staged = await this.storage.stage(download.stream);
      return { staged, filename: metadata.filename || download.filename || null, contentType: pickContentType(metadata.contentType, download), via: 'presigned' };
    } catch (error) {
      if (error instanceof TradecloudApiError && error.code === 'too_large') throw error; // the proxy serves the same bytes
      presignedError = error;
    }
    this.logger.debug(`Pre-signed download of document ${objectId} failed (${downloadErrorMessage(presignedError)}); trying the proxy`);
    try {
      const download = await this.api.downloadDocumentViaProxy(objectId, { maxBytes });
      const staged = await this.storage.stage(download.stream);
      return { staged, filename: metadata.filename || download.filename || null, contentType: pickContentType(metadata.contentType, download), via: 'proxy' };
    } catch (error) {
      if (error instanceof Error) error.message = `${error.message} (after the pre-signed link failed: ${downloadErrorMessage(presignedError)})`;
      throw error;
    }
  }

  private async fetchUrl(url: string): Promise<FetchedDocument> {
    const download = await this.api.downloadFromUrl(url, { maxBytes: this.options.maxBytes, checkUrl: this.checkPartnerUrl, lookup: this.partnerLookup });
    const staged = await this.storage.stage(download.stream);
    return { staged, filename: download.filename ?? null, contentType: pickContentType(undefined, download), via: 'url' };
  }
}

/** The metadata's content type unless it is the generic one and the download says better. */
function pickContentType(fromMetadata: string | undefined, download: TradecloudDownload): string | null {
  const fromResponse = download.contentType?.trim() || undefined;
  if (fromMetadata && (fromMetadata !== 'application/octet-stream' || !fromResponse)) return fromMetadata;
  return fromResponse ?? fromMetadata ?? null;
}
