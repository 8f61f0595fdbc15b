#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { CliDatabase, resolveCliDatabase } from './cli-database';
import { CliError, CliIo, processIo, usageError } from './cli-output';
import { eventsListCommand, eventsShowCommand } from './commands/events';
import { scenarioHelp } from './simulate/scenarios';

const HELP = `Usage: tradecloud <command> [options]   (npm run tradecloud -- <command> …)

  status                          counts by status and kind, oldest pending, last received per kind, dead events
  events list [filters]           newest first: --status s[,s] --kind k[,k] --event-name n --order <id|PO number>
                                  --shipment <id|number> --since <time|age> --until <time|age> --limit n (50)
  events show <id>                one event: status, error, outcome, changes it applied, body
  replay <id>…                    process these events again (rejected ones are validated again)
  replay --status dead|failed|rejected [--since …] [--until …] [--kind k] [--limit n] [--dry-run]
                                  … add --wait [--timeout seconds] to wait until they are processed
  prune [--dry-run]               one maintenance pass now: remove event bodies, rows, changes and document content
                                  past their retention (EVENTS_BODY_RETENTION, …); --dry-run only counts
  documents retry [--failed] [<document id>…]
                                  queue downloads again: documents without a job; --failed (or ids): failed ones too
  sync [--orders] [--shipments] [--since <ISO instant> | --all]
                                  fetch orders and shipments through Tradecloud's polling API and apply them
                                  (backfill; continues from the stored cursor; needs TRADECLOUD_API_USERNAME/PASSWORD)
  simulate <scenario> [--url http://localhost:3000] [--auth basic|bearer|oauth|none]
           [--username u --password p] [--token t] [--token-url u --client-id c --client-secret s --scope s]
           [--count n] [--concurrency n] [--seed n] [--ca file.pem] [--format json|txml]
                                  send realistic Tradecloud webhooks to a receiver and print each answer
  help

Every command takes --json (one JSON document on stdout, for scripts). The database is DATABASE_URL
and DATABASE_SCHEMA, or else the embedded PostgreSQL of a running "npm start" (same DATA_DIR).

Scenarios:
${scenarioHelp()}
`;

type Options = NonNullable<ParseArgsConfig['options']>;
const JSON_OPTION: Options = { json: { type: 'boolean', default: false } };
const FILTERS: Options = {
  status: { type: 'string' },
  kind: { type: 'string' },
  'event-name': { type: 'string' },
  order: { type: 'string' },
  shipment: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
};
const SIMULATE: Options = Object.fromEntries(
  ['url', 'auth', 'username', 'password', 'token', 'token-url', 'client-id', 'client-secret', 'scope', 'count', 'concurrency', 'seed', 'ca', 'format'].map((name) => [
    name,
    { type: 'string' },
  ]),
);

function parse(args: string[], options: Options) {
  try {
    return parseArgs({ args, options: { ...JSON_OPTION, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

/** Runs one CLI invocation; resolves with the exit code. Exported for tests of argument handling. */
export async function runCli(argv: string[], io: CliIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP);
    return 0;
  }
  if (command === 'simulate') {
    const { values, positionals } = parse(rest, SIMULATE);
    const v = values as Record<string, string | boolean | undefined>;
    const text = (name: string) => v[name] as string | undefined;
    // Loaded on demand, as every command with heavy imports: simulate brings the DTOs and their
    // validation library, and each command runs in a process of its own, started for it.
    const { simulateCommand } = await import('./commands/simulate.js');
    return simulateCommand(io, positionals[0], {
      url: text('url'),
      auth: text('auth'),
      username: text('username'),
      password: text('password'),
      token: text('token'),
      tokenUrl: text('token-url'),
      clientId: text('client-id'),
      clientSecret: text('client-secret'),
      scope: text('scope'),
      count: text('count'),
      concurrency: text('concurrency'),
      seed: text('seed'),
      ca: text('ca'),
      format: text('format'),
      json: v.json === true,
    });
  }
  const run = async (work: (db: CliDatabase) => Promise<number>) => {
    const db = new CliDatabase(resolveCliDatabase(env));
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  };
  switch (command) {
    case 'status': {
      const { values } = parse(rest, {});
      const { statusCommand } = await import('./commands/status.js'); // brings the metrics library
      return run((db) => statusCommand(db, io, { json: values.json === true }));
    }
    case 'events': {
      const [sub, ...subArgs] = rest;
      const { values, positionals } = parse(subArgs, FILTERS);
      const v = values as Record<string, string | boolean | undefined>;
      if (sub === 'show') return run((db) => eventsShowCommand(db, io, positionals, { json: v.json === true }));
      if (sub !== 'list') throw usageError('events needs "list" or "show <id>"');
      if (positionals.length) throw usageError(`events list takes no arguments, got "${positionals.join(' ')}"`);
      const text = (name: string) => v[name] as string | undefined;
      return run((db) =>
        eventsListCommand(db, io, {
          status: text('status'),
          kind: text('kind'),
          eventName: text('event-name'),
          order: text('order'),
          shipment: text('shipment'),
          since: text('since'),
          until: text('until'),
          limit: text('limit'),
          json: v.json === true,
        }),
      );
    }
    case 'replay': {
      const { values, positionals } = parse(rest, {
        ...FILTERS,
        'dry-run': { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string' },
      });
      const v = values as Record<string, string | boolean | undefined>;
      const text = (name: string) => v[name] as string | undefined;
      // Loaded on demand: it boots the whole module (a second of start-up the read-only commands do not need).
      const { replayCommand } = await import('./commands/replay.js');
      return run((db) =>
        replayCommand(db, io, positionals, {
          status: text('status'),
          kind: text('kind'),
          since: text('since'),
          until: text('until'),
          limit: text('limit'),
          timeout: text('timeout'),
          dryRun: v['dry-run'] === true,
          wait: v.wait === true,
          json: v.json === true,
        }),
      );
    }
    case 'prune': {
      const { values, positionals } = parse(rest, { 'dry-run': { type: 'boolean', default: false } });
      if (positionals.length) throw usageError(`prune takes no arguments, got "${positionals.join(' ')}"`);
      const { pruneCommand } = await import('./commands/prune.js');
      return run((db) => pruneCommand(db, io, { dryRun: values['dry-run'] === true, json: values.json === true }, env));
    }
    case 'sync': {
      const { values, positionals } = parse(rest, {
        orders: { type: 'boolean', default: false },
        shipments: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        since: { type: 'string' },
      });
      if (positionals.length) throw usageError(`sync takes no arguments, got "${positionals.join(' ')}"`);
      const v = values as Record<string, string | boolean | undefined>;
      // Loaded on demand: it boots the whole module.
      const { syncCommand } = await import('./commands/sync.js');
      const target = resolveCliDatabase(env);
      return syncCommand(target, io, { orders: v.orders === true, shipments: v.shipments === true, all: v.all === true, since: v.since as string | undefined, json: v.json === true }, env);
    }
    case 'documents': {
      const [sub, ...subArgs] = rest;
      if (sub !== 'retry') throw usageError('documents needs "retry"');
      const { values, positionals } = parse(subArgs, { failed: { type: 'boolean', default: false } });
      const { documentsRetryCommand } = await import('./commands/documents.js');
      return run((db) => documentsRetryCommand(db, io, positionals, { failed: values.failed === true, json: values.json === true }));
    }
    default:
      throw usageError(`unknown command "${command}"`);
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof CliError) {
        process.stderr.write(`${error.message}\n`);
        process.exitCode = error.exitCode;
      } else {
        process.stderr.write(`Failed: ${(error as Error)?.message ?? String(error)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
