import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** A webhook request finished (any outcome, including 4xx/5xx). */
export interface WebhookAnsweredEvent {
  endpoint: string;
  eventName: string | null;
  entityId: string | null;
  eventId: string | null;
  statusCode: number;
  outcome: 'accepted' | 'duplicate' | 'rejected' | 'unauthorized' | 'forbidden' | 'too-large' | 'unavailable' | 'error';
  durationMs: number;
  /** The request's id (`X-Request-Id`, or the one a request logger drew), when known. */
  requestId?: string | null;
  /** The caller's address, through trusted proxies only (see `webhooks.trustProxy`). */
  clientAddress?: string;
  /** The source-allowlist entry that admitted the caller, `unlisted` (refused with 403) or `unfiltered`. */
  source?: string;
}

/** Processing of one stored event ended (one attempt). */
export interface EventProcessedEvent {
  eventId: string;
  endpoint: string;
  payloadKind: string;
  eventName: string | null;
  entityId: string | null;
  status: 'processed' | 'stale' | 'failed' | 'dead';
  attempt: number;
  durationMs: number;
  /** Time from receipt to the end of this attempt. */
  lagMs: number;
  error?: string;
}

/** A maintenance (retention) pass ended, or was skipped because another one holds the lease or ran recently. */
export interface MaintenanceFinishedEvent {
  outcome: 'completed' | 'interrupted' | 'failed' | 'skipped';
  /** What the pass removed, by metric label (`event_bodies`, `event_rows`, …). */
  removed: Record<string, number>;
  durationMs: number;
  error?: string;
}

/** A backfill or reconciliation pass of one kind ended (see ReconcilePassService). */
export interface ReconcilePassEvent {
  kind: 'orders' | 'shipments';
  outcome: 'success' | 'failed' | 'interrupted';
  /** fetched, created, updated, unchanged, stale, rejected, missed */
  counts: Record<string, number>;
  durationMs: number;
}

export interface PipelineEventMap {
  'webhook.answered': [WebhookAnsweredEvent];
  'event.processed': [EventProcessedEvent];
  'maintenance.finished': [MaintenanceFinishedEvent];
  'reconcile.pass': [ReconcilePassEvent];
}

/**
 * In-process notifications of what the pipeline did, for logs and metrics. Not durable and not
 * for business reactions (those are the host's domain events); listeners must not throw.
 */
@Injectable()
export class PipelineEvents extends EventEmitter<PipelineEventMap> {}
