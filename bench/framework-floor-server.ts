import 'reflect-metadata';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  Controller,
  HttpCode,
  Inject,
  Injectable,
  Module,
  PayloadTooLargeException,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { BasicStrategy } from 'passport-http';
import pino, { DestinationStream } from 'pino';
import { Pool } from 'pg';
import { BaselineServer, BaselineServerOptions, createInboxTable, inboxDedupeKey, inboxInsert } from './baseline-server';

/**
 * The floor cost of the receiver's stack: what `baseline-server.ts` does, through the frameworks
 * the receiver is built on (the design card). Nest on Express, a Passport Basic strategy behind
 * a guard (constant-time compare), nestjs-pino's request logger with one JSON line per request
 * written synchronously (the receiver logs one line per webhook), the body read after
 * authentication and parsed with `JSON.parse`, then the baseline's one INSERT and a 202. No
 * validation, no group commit, no metrics, no workers: between the baseline and this server lies
 * what the stack costs; between this server and the receiver, what the receiver does itself.
 */
export interface FrameworkFloorOptions extends BaselineServerOptions {
  /** Where the request lines go (default: stdout, synchronously, as the receiver writes them). */
  logDestination?: DestinationStream;
}

const FLOOR_SETTINGS = Symbol('FLOOR_SETTINGS');

interface FloorSettings {
  pool: Pool;
  insert: string;
  limit: number;
  expected: Buffer;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

@Injectable()
class FloorBasicStrategy extends PassportStrategy(BasicStrategy, 'floor-basic') {
  constructor(@Inject(FLOOR_SETTINGS) private readonly settings: FloorSettings) {
    super();
  }

  validate(user: string, secret: string): { user: string } {
    if (!timingSafeEqual(digest(`${user}:${secret}`), this.settings.expected)) throw new UnauthorizedException();
    return { user };
  }
}

@Controller()
class FloorController {
  constructor(
    @Inject(FLOOR_SETTINGS) private readonly settings: FloorSettings,
    private readonly logger: PinoLogger,
  ) {}

  @Post('tradecloud/webhooks/:endpoint')
  @UseGuards(AuthGuard('floor-basic'))
  @HttpCode(202)
  async receive(@Req() request: IncomingMessage & { params: { endpoint: string } }): Promise<{ status: string; eventId?: string }> {
    const text = await readBody(request, this.settings.limit);
    const body = JSON.parse(text) as Record<string, unknown>;
    const endpoint = request.params.endpoint;
    const result = await this.settings.pool.query<{ id: string }>(this.settings.insert, [endpoint, inboxDedupeKey(endpoint, body, text), text]);
    this.logger.info({ event: 'webhook.answered', status: 202 }, 'webhook answered');
    return { status: 'accepted', eventId: result.rows[0]?.id };
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new PayloadTooLargeException());
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startFrameworkFloor(options: FrameworkFloorOptions): Promise<BaselineServer> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  pool.on('error', () => undefined); // an idle client lost with the server: the next query reports it
  const table = await createInboxTable(pool, options.schema);
  const settings: FloorSettings = {
    pool,
    insert: inboxInsert(table),
    limit: options.bodyLimitBytes ?? 50 * 1024 * 1024,
    expected: digest(`${options.username}:${options.password}`),
  };

  @Module({
    imports: [
      PassportModule,
      LoggerModule.forRoot({
        pinoHttp: {
          logger: pino({ level: 'info' }, options.logDestination ?? pino.destination({ dest: 1, sync: true })),
          quietReqLogger: true,
          autoLogging: false,
        },
      }),
    ],
    controllers: [FloorController],
    providers: [FloorBasicStrategy, { provide: FLOOR_SETTINGS, useValue: settings }],
  })
  class FloorModule {}

  const app = await NestFactory.create(FloorModule, { bodyParser: false, bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

/** Run as its own process by the benchmark: `node dist-bench/bench/framework-floor-server.js`, configured like the baseline. */
if (require.main === module) {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  startFrameworkFloor({
    databaseUrl: env('BASELINE_DATABASE_URL'),
    schema: env('BASELINE_SCHEMA'),
    username: env('BASELINE_USERNAME'),
    password: env('BASELINE_PASSWORD'),
    poolSize: Number(process.env.BASELINE_POOL_SIZE ?? 10),
  }).then(
    (server) => {
      console.log(`framework floor listening on ${server.url.replace('http://', '')}`);
      const stop = () => void server.close().then(() => process.exit(0), () => process.exit(1));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: Error) => {
      console.error(error.stack ?? error.message);
      process.exit(1);
    },
  );
}
