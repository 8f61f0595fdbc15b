import { TradecloudApiError } from '../tradecloud-api/tradecloud-api.error';

/** A download failure of our own making (refused URL, unresolvable host); `permanent` ones are not retried. */
export class DocumentDownloadError extends Error {
  override name = 'DocumentDownloadError';

  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/**
 * Failures no retry can fix, which fail the document at once: the server said the document is
 * not there or not ours (404, 403 and other 4xx but 408/429), the document is over the size
 * limit, or its URL is unusable or refused. A missing or refused API configuration is not one
 * of them: it can be fixed while the document waits for its next attempt.
 */
export function isPermanentDownloadError(error: unknown): boolean {
  if (error instanceof DocumentDownloadError) return error.permanent;
  if (error instanceof TradecloudApiError) {
    if (error.code === 'not_configured' || error.code === 'unauthorized') return false;
    return !error.transient;
  }
  return false;
}

/** The message to record: never a token or a pre-signed signature (the API client already strips those). */
export function downloadErrorMessage(error: unknown): string {
  const message = (error as Error)?.message || String(error);
  return message.slice(0, 4000);
}
