import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An entity of the host application itself: the module must live beside it, not instead of it. */
@Entity({ name: 'erp_purchase_orders', schema: 'public' })
export class ErpPurchaseOrder {
  @PrimaryColumn({ type: 'text' })
  number: string;

  @Column({ type: 'text' })
  supplier: string;
}
