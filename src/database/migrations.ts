import { CreateInbox1764300000000 } from '../../migrations/1764300000000-CreateInbox';
import { CreateOrders1764300001000 } from '../../migrations/1764300001000-CreateOrders';
import { CreateJobQueue1764300002000 } from '../../migrations/1764300002000-CreateJobQueue';
import { CreateShipments1764300003000 } from '../../migrations/1764300003000-CreateShipments';
import { CreateDocumentContents1764300004000 } from '../../migrations/1764300004000-CreateDocumentContents';
import { CreateViews1764300005000 } from '../../migrations/1764300005000-CreateViews';
import { CreateReconcileState1765000014000 } from '../../migrations/1765000014000-CreateReconcileState';
import { CreateDeadEventDeliveries1765000016000 } from '../../migrations/1765000016000-CreateDeadEventDeliveries';
import { MoveJobQueueToOwnSchema1765000016001 } from '../../migrations/1765000016001-MoveJobQueueToOwnSchema';
import { DataLifecycle1765000019000 } from '../../migrations/1765000019000-DataLifecycle';
import { SqlModel1765000021000 } from '../../migrations/1765000021000-SqlModel';
import { InboxQueue1765000022000 } from '../../migrations/1765000022000-InboxQueue';
import { BodyCompression1765000023000 } from '../../migrations/1765000023000-BodyCompression';
import { LineStorage1765000024000 } from '../../migrations/1765000024000-LineStorage';
import { UpdateSpace1765000025000 } from '../../migrations/1765000025000-UpdateSpace';
import { ScheduleRowChecks1765000026000 } from '../../migrations/1765000026000-ScheduleRowChecks';
import { ScheduleRowChecksPerLine1765000027000 } from '../../migrations/1765000027000-ScheduleRowChecksPerLine';
import { ChangesDiffCompression1765000028000 } from '../../migrations/1765000028000-ChangesDiffCompression';
import { EventBodySize1765000029000 } from '../../migrations/1765000029000-EventBodySize';

/** Every migration of the module, oldest first. Hosts that run migrations in their own pipeline add these to their DataSource. */
export const TRADECLOUD_MIGRATIONS = [
  CreateInbox1764300000000,
  CreateOrders1764300001000,
  CreateJobQueue1764300002000,
  CreateShipments1764300003000,
  CreateDocumentContents1764300004000,
  CreateViews1764300005000,
  CreateReconcileState1765000014000,
  CreateDeadEventDeliveries1765000016000,
  MoveJobQueueToOwnSchema1765000016001,
  DataLifecycle1765000019000,
  SqlModel1765000021000,
  InboxQueue1765000022000,
  BodyCompression1765000023000,
  LineStorage1765000024000,
  UpdateSpace1765000025000,
  ScheduleRowChecks1765000026000,
  ScheduleRowChecksPerLine1765000027000,
  ChangesDiffCompression1765000028000,
  EventBodySize1765000029000,
];
