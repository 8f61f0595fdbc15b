import { ArgumentsHost, CallHandler, Catch, ConsoleLogger, ExceptionFilter, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnTradecloudEvent, OrderCreatedEvent, TradecloudDomainEvent } from '../../src';
import { DOMAIN_EVENTS_QUEUE } from '../../src/events/domain-event.publisher';
import { JobQueue } from '../../src/queue/job-queue.service';
import { runCli, runCliJson } from '../cli/cli-process';
import { startReceiverApp } from '../support/receiver-app';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { sampleText } from '../support/samples';

const calls: Array<{ handler: string; eventType: string; throughInterceptor: boolean }> = [];
const intercepted: Array<{ type: string; handler: string; argument: unknown }> = [];
const filtered: string[] = [];
/** Handler calls currently inside the interceptor (deliveries run concurrently). */
let inInterceptor = 0;

/** A host's global interceptor: sees every handler call, with the execution context Nest builds. */
class HostInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    intercepted.push({ type: context.getType<string>(), handler: `${context.getClass().name}.${context.getHandler().name}`, argument: context.getArgs()[0] });
    inInterceptor++;
    return next.handle().pipe(tap({ finalize: () => void inInterceptor-- }));
  }
}

/** A host's global exception filter: sees what a handler throws (and lets it fail the delivery). */
@Catch()
class HostFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): never {
    filtered.push(`${host.getType()}: ${(exception as Error).message}`);
    throw exception;
  }
}

@Injectable()
class ErpOrders {
  @OnTradecloudEvent('order.created', { id: 'erp.orders.created' })
  created(event: OrderCreatedEvent): void {
    calls.push({ handler: 'erp.orders.created', eventType: event.type, throughInterceptor: inInterceptor > 0 });
  }
}

@Injectable()
class LegacyHandler {
  @OnTradecloudEvent('order.created')
  record(event: TradecloudDomainEvent): void {
    calls.push({ handler: 'LegacyHandler.record', eventType: event.type, throughInterceptor: inInterceptor > 0 });
  }
}

@Injectable()
class AlwaysFailing {
  @OnTradecloudEvent('order.lines.changed', { id: 'erp.always-failing' })
  fail(): void {
    throw new Error('ERP refuses this line');
  }
}

/** Warnings the app logged, to see the start-up advice for handlers without an id. */
class RecordingLogger extends ConsoleLogger {
  readonly warnings: string[] = [];
  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }

  override error(): void {
    // The dead deliveries below log errors on purpose; the test reads the table instead.
  }
}

describe('domain-event handler ids and execution context', () => {
  const logger = new RecordingLogger();
  const receiver = useReceiver({
    label: 'handler_ids',
    options: { queue: { attempts: 1 } },
    providers: [ErpOrders, LegacyHandler, AlwaysFailing],
    appOptions: { logger },
    beforeListen: (app) => {
      app.useGlobalInterceptors(new HostInterceptor());
      app.useGlobalFilters(new HostFilter());
    },
  });
  let env: Record<string, string>;

  beforeAll(() => {
    env = { DATABASE_URL: receiver.database.url, DATABASE_SCHEMA: 'tradecloud' };
  });

  it('warns at start about a handler without an id, and only about that one', () => {
    const advice = logger.warnings.filter((line) => line.includes('has no stable id'));
    expect(advice).toHaveLength(1);
    expect(advice[0]).toContain('LegacyHandler.record has no stable id');
    expect(advice[0]).toContain("@OnTradecloudEvent('order.created', { id: '…' })");
  });

  it("runs each handler once, by its id, through the host's global interceptor and exception filter", async () => {
    const response = await receiver.post('/orders', sampleText('post-order-event'));
    expect(response.status).toBe(202);
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls.sort((a, b) => (a.handler < b.handler ? -1 : 1))).toEqual([
      { handler: 'LegacyHandler.record', eventType: 'order.created', throughInterceptor: true },
      { handler: 'erp.orders.created', eventType: 'order.created', throughInterceptor: true },
    ]);
    expect(intercepted).toContainEqual({ type: 'tradecloud-event', handler: 'ErpOrders.created', argument: expect.objectContaining({ type: 'order.created' }) });
    // The failing handler went through the filter, and was kept as dead after its last attempt.
    await waitFor(() => expect(filtered).toContain('tradecloud-event: ERP refuses this line'));
    await waitFor(async () => {
      const { rows } = await receiver.sql.query(`SELECT handler_id, event_type, attempts, reason FROM tradecloud.dead_event_deliveries WHERE handler_id = 'erp.always-failing'`);
      expect(rows).toEqual([{ handler_id: 'erp.always-failing', event_type: 'order.lines.changed', attempts: 1, reason: expect.stringContaining('ERP refuses this line') }]);
    });
  });

  it('keeps a queued delivery whose handler id no longer exists as dead, with the reason, and shows it in tradecloud status', async () => {
    // A delivery queued for a handler that was renamed since (its id is not in this application).
    const event = { type: 'order.created', id: 'gone-1:order.created:o-1', orderId: 'o-1', sourceEventId: null, sourceEventName: null, occurredAt: new Date().toISOString() };
    const queue = receiver.app!.get(JobQueue);
    await queue.send(DOMAIN_EVENTS_QUEUE, { handlerId: 'OldErpSync.linesChanged', event });
    queue.wake(DOMAIN_EVENTS_QUEUE);
    await waitFor(async () => {
      const { rows } = await receiver.sql.query(`SELECT event, reason FROM tradecloud.dead_event_deliveries WHERE handler_id = 'OldErpSync.linesChanged'`);
      expect(rows).toEqual([{ event, reason: expect.stringContaining('No handler with id "OldErpSync.linesChanged"') }]);
    });
    const text = await runCli(['status'], env);
    expect(text.stdout).toMatch(/Dead domain-event deliveries: 2/);
    expect(text.stdout).toMatch(/OldErpSync\.linesChanged\s+order\.created gone-1:order\.created:o-1\s+1\s+.*No handler with id/);
    const json = await runCliJson(['status'], env);
    expect(json.deadDeliveries.count).toBe(2);
    expect(json.deadDeliveries.latest.map((row: { handlerId: string }) => row.handlerId).sort()).toEqual(['OldErpSync.linesChanged', 'erp.always-failing']);
  });

  it('refuses to start with two handlers of the same id, naming both classes', async () => {
    @Injectable()
    class FirstSync {
      @OnTradecloudEvent('order.created', { id: 'erp.sync' })
      handle(): void {}
    }
    @Injectable()
    class SecondSync {
      @OnTradecloudEvent('shipment.changed', { id: 'erp.sync' })
      handle(): void {}
    }
    await expect(startReceiverApp({ databaseUrl: receiver.database.url, schema: 'tc_duplicate_ids', providers: [FirstSync, SecondSync] })).rejects.toThrow(
      /Two Tradecloud event handlers have the id "erp\.sync": FirstSync\.handle and SecondSync\.handle/,
    );
  });
});
