import { WebhookEventEntity } from '../inbox/webhook-event.entity';

/** Every entity of the module. Hosts that bring their own DataSource add these to its `entities`. */
export const TRADECLOUD_ENTITIES = [WebhookEventEntity];
