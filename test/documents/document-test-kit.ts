import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TradecloudDocumentsOptions } from '../../src/documents/documents-options';
import type { TradecloudModuleOptions } from '../../src';
import { RunningReceiver, waitFor } from '../support/receiver-fixture';
import { TradecloudSimulator } from '../support/tradecloud-simulator';

/** Options of a receiver wired to the simulator, with quick retries (in-call and in the queue). */
export function documentReceiverOptions(simulator: TradecloudSimulator, documents: TradecloudDocumentsOptions): Partial<TradecloudModuleOptions> {
  return {
    tradecloudApi: {
      baseUrl: simulator.baseUrl,
      ...simulator.credentials,
      maxRetries: 1,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 200,
      requestsPerSecond: 1000,
    },
    queue: { attempts: 6, retryDelaySeconds: 1 },
    documents,
  };
}

export interface DocumentRow {
  id: string;
  object_id: string | null;
  url: string | null;
  code: string | null;
  content_status: string;
  sha256: string | null;
  filename: string | null;
  content_type: string | null;
  size_bytes: string | null;
  last_error: string | null;
}

/** Every document row recorded by `eventId`, once none of them is `pending` any more. */
export function settledDocuments(receiver: RunningReceiver, eventId: string, timeout?: number): Promise<DocumentRow[]> {
  return waitFor(async () => {
    const { rows } = await receiver.sql.query<DocumentRow>(
      `SELECT id::text, object_id, url, code, content_status, sha256, filename, content_type, size_bytes::text, last_error
         FROM "${receiver.schema}".documents WHERE first_event_id = $1 ORDER BY id`,
      [eventId],
    );
    if (!rows.length || rows.some((row) => row.content_status === 'pending')) throw new Error(`documents of event ${eventId} still pending: ${JSON.stringify(rows)}`);
    return rows;
  }, { timeout });
}

/** Posts a webhook body and waits until its event is processed; returns the event id. */
export async function deliver(receiver: RunningReceiver, path: string, body: unknown): Promise<string> {
  const response = await receiver.post(path, body);
  if (response.status !== 202) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  const { eventId } = (await response.json()) as { eventId: string };
  await receiver.waitForEvents([eventId], ['processed']);
  return eventId;
}

export async function sha256Of(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
