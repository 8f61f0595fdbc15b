import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRootLogger, loggableUrl, wantsPrettyLogs } from './logging';
import { entityField, PipelineLog } from './pipeline-log';

function capture() {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('logging', () => {
  it('redacts secret fields wherever they sit, and writes the level as text with an ISO time', () => {
    const { lines, destination } = capture();
    const logger = createRootLogger({ level: 'info', destination });
    logger.info(
      {
        req: { headers: { authorization: 'Basic c2VjcmV0', cookie: 'sid=1', 'user-agent': 'Tradecloud' } },
        options: { password: 'hunter2', clientSecret: 'cs', bearerTokens: ['t1'], username: 'tradecloud' },
        token: 'tok',
      },
      'hello',
    );
    const [line] = lines;
    expect(line).toMatchObject({ level: 'info', msg: 'hello' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(line.req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'Tradecloud' });
    expect(line.options).toEqual({ password: '[redacted]', clientSecret: '[redacted]', bearerTokens: '[redacted]', username: 'tradecloud' });
    expect(line.token).toBe('[redacted]');
  });

  it('respects the level', () => {
    const { lines, destination } = capture();
    const logger = createRootLogger({ level: 'warn', destination });
    logger.info('no');
    logger.debug('no');
    logger.warn('yes');
    expect(lines.map((line) => line.msg)).toEqual(['yes']);
  });

  it('is pretty only for a terminal outside production', () => {
    expect(wantsPrettyLogs({}, { isTTY: true })).toBe(true);
    expect(wantsPrettyLogs({ NODE_ENV: 'production' }, { isTTY: true })).toBe(false);
    expect(wantsPrettyLogs({}, { isTTY: false })).toBe(false);
    expect(wantsPrettyLogs({}, {})).toBe(false);
  });

  it('hides secret-looking query values in logged URLs', () => {
    expect(loggableUrl('/metrics?token=abc&x=1')).toBe('/metrics?token=[redacted]&x=1');
    expect(loggableUrl('/a?access_token=abc&api_key=k&orderId=9')).toBe('/a?access_token=[redacted]&api_key=[redacted]&orderId=9');
    expect(loggableUrl('/tradecloud/webhooks/orders/123')).toBe('/tradecloud/webhooks/orders/123');
  });

  it('names the entity after the route, and writes one pipeline line per request and per attempt', () => {
    expect([entityField('orders'), entityField('order-documents'), entityField('orders-get'), entityField('shipments-get'), entityField('unknown')]).toEqual([
      'orderId',
      'orderId',
      'orderId',
      'shipmentId',
      'entityId',
    ]);
    const { lines, destination } = capture();
    const log = new PipelineLog(createRootLogger({ level: 'info', destination }));
    log.answered({ endpoint: 'shipments', eventName: 'ShipmentIssuedBySupplier', entityId: 's-1', eventId: '7', statusCode: 202, outcome: 'accepted', durationMs: 12.345, requestId: 'r-1' });
    log.processed({ eventId: '7', endpoint: 'shipments', payloadKind: 'shipment', eventName: 'ShipmentIssuedBySupplier', entityId: 's-1', status: 'dead', attempt: 8, durationMs: 3, lagMs: 9000, error: 'boom' });
    expect(lines[0]).toMatchObject({ level: 'info', context: 'TradecloudPipeline', reqId: 'r-1', kind: 'shipments', shipmentId: 's-1', eventId: '7', outcome: 'accepted', durationMs: 12.3 });
    expect(lines[1]).toMatchObject({ level: 'error', eventId: '7', status: 'dead', attempt: 8, error: 'boom', msg: 'Event 7 (ShipmentIssuedBySupplier) dead on attempt 8: boom' });
  });
});
