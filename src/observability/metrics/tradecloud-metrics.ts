import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TradecloudDatabase } from '../../database/tradecloud-database.service';
import { TradecloudApiClient } from '../../tradecloud-api/tradecloud-api.client';
import type { TradecloudApiCall } from '../../tradecloud-api/tradecloud-http';
import { EventProcessedEvent, MaintenanceFinishedEvent, PipelineEvents, ReconcilePassEvent, WebhookAnsweredEvent } from '../pipeline-events';
import { DatabaseGauges } from './database-gauges';
import { StorageGauges } from './storage-gauges';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Tradecloud event names are a small fixed vocabulary; anything else (a malformed body's
 * `eventName`) is folded into `other` so a sender cannot create unbounded label values.
 */
export function eventNameLabel(eventName: string | null | undefined): string {
  if (!eventName) return 'none';
  return /^[A-Z][A-Za-z0-9]{2,79}$/.test(eventName) ? eventName : 'other';
}

/**
 * The receiver's Prometheus metrics, in a registry of its own (never prom-client's global one),
 * so that two applications in one process, or a host with its own metrics, do not clash.
 * Counters follow the pipeline's in-process events and the Tradecloud API client's calls;
 * the inbox, queue and document gauges are read from PostgreSQL at scrape time.
 *
 * A host serves `await metrics.metrics()` (content type `metrics.contentType`) on a route of its
 * own, or merges `metrics.registry` into its registry.
 */
@Injectable()
export class TradecloudMetrics implements OnModuleInit, OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly detachers: Array<() => void> = [];
  private database?: TradecloudDatabase;

  readonly webhookRequests = new Counter({
    name: 'tradecloud_webhook_requests_total',
    help: 'Webhook requests answered, by kind (route), event name, HTTP status code and outcome.',
    labelNames: ['kind', 'event_name', 'status_code', 'outcome'],
    registers: [this.registry],
  });
  readonly webhookDuration = new Histogram({
    name: 'tradecloud_webhook_request_duration_seconds',
    help: 'Time to answer a webhook request (authentication, validation, storing), by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly processing = new Counter({
    name: 'tradecloud_event_processing_total',
    help: 'Processing attempts of stored events, by kind and result (processed, stale, failed, dead).',
    labelNames: ['kind', 'status'],
    registers: [this.registry],
  });
  readonly processingDuration = new Histogram({
    name: 'tradecloud_event_processing_duration_seconds',
    help: 'Duration of one processing attempt, by kind and result.',
    labelNames: ['kind', 'status'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly processingLag = new Histogram({
    name: 'tradecloud_event_processing_lag_seconds',
    help: 'Time from receipt to the end of successful processing (processed or stale), by kind.',
    labelNames: ['kind'],
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  readonly apiCalls = new Counter({
    name: 'tradecloud_api_calls_total',
    help: 'HTTP exchanges with the Tradecloud API (retries counted separately), by endpoint and status (HTTP code, or an error code without an answer).',
    labelNames: ['endpoint', 'status'],
    registers: [this.registry],
  });
  readonly apiDuration = new Histogram({
    name: 'tradecloud_api_call_duration_seconds',
    help: 'Time to the response headers of a Tradecloud API exchange, by endpoint.',
    labelNames: ['endpoint'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  readonly webhookSources = new Counter({
    name: 'tradecloud_webhook_requests_by_source_total',
    help:
      'Webhook requests by the source-allowlist entry that admitted the caller (a name such as tradecloud-production, or a CIDR as configured), ' +
      '"unlisted" for callers refused with 403, "unfiltered" when no allowlist is configured.',
    labelNames: ['source'],
    registers: [this.registry],
  });

  /** Set by the standalone service when it serves HTTPS (a host serving TLS itself may set it too). */
  readonly tlsCertificateExpiry = new Gauge({
    name: 'tradecloud_tls_certificate_expiry_timestamp_seconds',
    help: 'When the TLS certificate being served expires (Unix time, seconds); alert well before it is reached.',
    registers: [this.registry],
  });
  /** Counted by the standalone service's HTTP server. */
  readonly slowRequestsCut = new Counter({
    name: 'tradecloud_http_slow_requests_cut_total',
    help: 'Requests answered 408 and disconnected because their body arrived slower than HTTP_BODY_MIN_BYTES_PER_SECOND.',
    registers: [this.registry],
  });
  readonly maintenanceRuns = new Counter({
    name: 'tradecloud_maintenance_runs_total',
    help: 'Maintenance (retention) passes started by this instance, by outcome (completed, interrupted, failed, skipped: another instance holds the lease or ran one within the interval).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly maintenanceDeleted = new Counter({
    name: 'tradecloud_maintenance_deleted_total',
    help: 'What maintenance passes of this instance removed: event_bodies, failed_event_bodies, event_rows, changes, document_contents.',
    labelNames: ['what'],
    registers: [this.registry],
  });
  readonly reconcileRuns = new Counter({
    name: 'tradecloud_reconcile_runs_total',
    help: 'Reconciliation and backfill passes through the polling API run by this process, by kind (orders, shipments) and outcome (success, failed, interrupted).',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly reconcileEntities = new Counter({
    name: 'tradecloud_reconcile_entities_total',
    help: 'Entities polled by reconciliation passes, by kind and result (created, updated, unchanged, stale, rejected).',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  });
  readonly reconcileMissed = new Counter({
    name: 'tradecloud_reconcile_missed_total',
    help: 'Changes found by reconciliation that webhooks did not deliver (newer than stored, older than the pass start by more than the overlap), by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly reconcileLastSuccess = new Gauge({
    name: 'tradecloud_reconcile_last_success_timestamp_seconds',
    help: 'End of the last successful reconciliation pass run by this process (Unix time), by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  constructor(private readonly moduleRef: ModuleRef) {
    collectDefaultMetrics({ register: this.registry });
    new DatabaseGauges(this.registry, () => this.database);
    new StorageGauges(this.registry, () => this.database);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Finds the TradecloudModule's services wherever the host imported it (this module does not import it). */
  onModuleInit(): void {
    const events = this.find(PipelineEvents);
    if (!events) throw new Error('TradecloudMetricsModule needs TradecloudModule in the same application');
    this.database = this.find(TradecloudDatabase);
    const onAnswered = (event: WebhookAnsweredEvent) => this.recordAnswer(event);
    const onProcessed = (event: EventProcessedEvent) => this.recordProcessing(event);
    events.on('webhook.answered', onAnswered);
    events.on('event.processed', onProcessed);
    this.detachers.push(() => events.off('webhook.answered', onAnswered), () => events.off('event.processed', onProcessed));
    const onMaintenance = (event: MaintenanceFinishedEvent) => this.recordMaintenance(event);
    events.on('maintenance.finished', onMaintenance);
    this.detachers.push(() => events.off('maintenance.finished', onMaintenance));
    const onReconciled = (event: ReconcilePassEvent) => this.recordReconcilePass(event);
    events.on('reconcile.pass', onReconciled);
    this.detachers.push(() => events.off('reconcile.pass', onReconciled));
    const api = this.find(TradecloudApiClient);
    if (api) this.detachers.push(api.onCall((call) => this.recordApiCall(call)));
  }

  /** At the very end of a shutdown: jobs that finish while the application stops are still counted. */
  onApplicationShutdown(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  recordAnswer(event: WebhookAnsweredEvent): void {
    const labels = { kind: event.endpoint, outcome: event.outcome };
    this.webhookRequests.inc({ ...labels, event_name: eventNameLabel(event.eventName), status_code: String(event.statusCode) });
    this.webhookDuration.observe(labels, event.durationMs / 1000);
    if (event.source) this.webhookSources.inc({ source: event.source });
  }

  recordProcessing(event: EventProcessedEvent): void {
    const labels = { kind: event.endpoint, status: event.status };
    this.processing.inc(labels);
    this.processingDuration.observe(labels, event.durationMs / 1000);
    if (event.status === 'processed' || event.status === 'stale') this.processingLag.observe({ kind: event.endpoint }, event.lagMs / 1000);
  }

  recordMaintenance(event: MaintenanceFinishedEvent): void {
    this.maintenanceRuns.inc({ outcome: event.outcome });
    for (const [what, count] of Object.entries(event.removed)) this.maintenanceDeleted.inc({ what }, count);
  }

  recordReconcilePass(event: ReconcilePassEvent): void {
    this.reconcileRuns.inc({ kind: event.kind, outcome: event.outcome });
    for (const result of ['created', 'updated', 'unchanged', 'stale', 'rejected']) {
      const count = event.counts[result] ?? 0;
      if (count > 0) this.reconcileEntities.inc({ kind: event.kind, result }, count);
    }
    if ((event.counts.missed ?? 0) > 0) this.reconcileMissed.inc({ kind: event.kind }, event.counts.missed);
    if (event.outcome === 'success') this.reconcileLastSuccess.set({ kind: event.kind }, Date.now() / 1000);
  }

  recordApiCall(call: TradecloudApiCall): void {
    this.apiCalls.inc({ endpoint: call.endpoint, status: String(call.status ?? call.error ?? 'error') });
    this.apiDuration.observe({ endpoint: call.endpoint }, call.durationMs / 1000);
  }

  private find<T>(token: abstract new (...args: never[]) => T): T | undefined {
    try {
      return this.moduleRef.get(token as never, { strict: false }) as T;
    } catch {
      return undefined;
    }
  }
}
