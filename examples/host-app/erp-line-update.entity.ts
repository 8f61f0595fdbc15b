import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The host's own table: which Tradecloud line changes its ERP has taken over. */
@Entity({ name: 'erp_line_updates' })
export class ErpLineUpdate {
  /** The domain event id + line id: a redelivered event writes nothing new. */
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'uuid' })
  orderId: string;

  @Column({ type: 'uuid' })
  lineId: string;

  @Column({ type: 'jsonb', nullable: true })
  diff: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  receivedAt: Date;
}
