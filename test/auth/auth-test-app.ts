import { ConsoleLogger, Controller, Get, HttpCode, INestApplication, Module, Post, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request } from 'express';
import { AddressInfo } from 'node:net';
import { TradecloudAuthOptions } from '../../src/auth/auth-options';
import { WebhookAuthGuard } from '../../src/auth/webhook-auth.guard';
import { ForWebhookKind } from '../../src/auth/webhook-kind';
import { TradecloudModule } from '../../src/tradecloud.module';

/** Test-only routes, one per webhook kind, guarded exactly as the real webhook controllers are. */
@Controller('under-test')
@UseGuards(WebhookAuthGuard)
export class GuardedTestController {
  @Post('orders')
  @HttpCode(200)
  @ForWebhookKind('orders')
  orders(@Req() request: Request) {
    return { user: request.user };
  }

  /** A legacy GET order webhook: kind orders. */
  @Get('orders/:orderId')
  @ForWebhookKind('orders')
  getOrder(@Req() request: Request) {
    return { user: request.user };
  }

  @Post('order-documents')
  @HttpCode(200)
  @ForWebhookKind('order-documents')
  orderDocuments(@Req() request: Request) {
    return { user: request.user };
  }

  @Post('shipments')
  @HttpCode(200)
  @ForWebhookKind('shipments')
  shipments(@Req() request: Request) {
    return { user: request.user };
  }
}

/** The kind declared on the controller rather than the handler (legacy GET shipment webhooks). */
@Controller('under-test/shipment-get')
@UseGuards(WebhookAuthGuard)
@ForWebhookKind('shipments')
export class GuardedShipmentGetController {
  @Get(':shipmentId')
  getShipment(@Req() request: Request) {
    return { user: request.user };
  }
}

/**
 * Keeps every log line (message and context) instead of printing it, so that tests can assert on
 * what was logged and that no secret ever was.
 */
export class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];

  constructor() {
    super();
    this.setLogLevels(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
  }

  protected override printMessages(messages: unknown[], context = '', logLevel = 'log'): void {
    for (const message of messages) this.lines.push(`${logLevel} [${context}] ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  }

  protected override printStackTrace(stack: string): void {
    if (stack) this.lines.push(stack);
  }

  /** Lines of one context logged since `from` (an index into `lines`). */
  since(from: number, context = 'WebhookAuth'): string[] {
    return this.lines.slice(from).filter((line) => line.includes(`[${context}]`));
  }
}

export interface AuthTestApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** A real Nest application on 127.0.0.1 (any free port), without a body parser, like the standalone service. */
export async function startAuthTestApp(
  databaseUrl: string,
  auth: TradecloudAuthOptions,
  logger: CapturingLogger,
  schema = 'tc_auth',
): Promise<AuthTestApp> {
  @Module({
    imports: [TradecloudModule.forRoot({ database: { url: databaseUrl, schema }, auth })],
    controllers: [GuardedTestController, GuardedShipmentGetController],
  })
  class AuthTestAppModule {}

  const app = await NestFactory.create(AuthTestAppModule, { logger, bodyParser: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  return { app, url, close: () => app.close() };
}

/** Everything written to stdout and stderr while it runs (Nest's own loggers, stray console output). */
export function captureProcessOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: unknown, ...rest: never[]) => {
    chunks.push(String(chunk));
    return originals.out(chunk as never, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: never[]) => {
    chunks.push(String(chunk));
    return originals.err(chunk as never, ...rest);
  }) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

export const basicHeader = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
