import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type WebhookEventStatus = 'pending' | 'processed' | 'stale' | 'failed' | 'dead' | 'rejected';

/** One webhook request as received (table `webhook_events`). The schema comes from the DataSource. */
@Entity({ name: 'webhook_events' })
export class WebhookEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'text' })
  endpoint: string;

  @Column({ name: 'event_name', type: 'text', nullable: true })
  eventName: string | null;

  @Column({ name: 'entity_id', type: 'text', nullable: true })
  entityId: string | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'dedupe_key', type: 'text', unique: true })
  dedupeKey: string;

  @Column({ type: 'text' })
  status: WebhookEventStatus;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  body: unknown;

  /** When retention removed the body (`EVENTS_BODY_RETENTION`, `EVENTS_FAILED_RETENTION`); the row and its idempotency key stay. */
  @Column({ name: 'body_pruned_at', type: 'timestamptz', nullable: true })
  bodyPrunedAt: Date | null;

  /** When a `pending` or `failed` event may be processed (the back-off time of a failed one). */
  @Column({ name: 'available_at', type: 'timestamptz' })
  availableAt: Date;

  /** Failed attempts since the event was last queued (reset by `tradecloud replay`); `attempts` is the whole history. */
  @Column({ type: 'integer' })
  retries: number;
}
