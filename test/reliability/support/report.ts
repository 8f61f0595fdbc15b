import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { inject } from 'vitest';
import { SCALE } from './scale';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder where each scenario leaves its measured figures for the report. */
    reliabilityResultsDir: string;
  }
}

/** The columns of the summary table; a scenario fills those that apply to it. */
export interface StandardFigures {
  sent?: number;
  answered2xx?: number;
  answered4xx?: number;
  answered5xx?: number;
  noAnswer?: number;
  processed?: number;
  lost?: number;
  appliedTwice?: number;
  badInputs?: number;
  serverErrorsOnBadInputs?: number;
}

export interface ScenarioRecord {
  id: string;
  order: number;
  title: string;
  scale: string;
  size: string;
  checks: string[];
  standard: StandardFigures;
  /** Further measured figures, in the order they were recorded. */
  details: Array<[string, string | number]>;
  notes: string[];
  passed: boolean;
  error?: string;
  durationMs: number;
  finishedAt: string;
}

export class ScenarioRecorder {
  readonly standard: StandardFigures = {};
  readonly details: Array<[string, string | number]> = [];
  readonly notes: string[] = [];
  size = '';

  set(figures: StandardFigures): void {
    Object.assign(this.standard, figures);
  }

  detail(label: string, value: string | number): void {
    const existing = this.details.find(([name]) => name === label);
    if (existing) existing[1] = value;
    else this.details.push([label, value]);
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/**
 * Runs one scenario's body and leaves what it measured for the report, whether it passed or
 * not (a failing scenario is reported as failed, with the figures measured up to the failure).
 */
export async function scenario(
  meta: { id: string; order: number; title: string; checks: string[] },
  body: (recorder: ScenarioRecorder) => Promise<void>,
): Promise<void> {
  const recorder = new ScenarioRecorder();
  const started = performance.now();
  let error: unknown;
  try {
    await body(recorder);
  } catch (caught) {
    error = caught;
  }
  const record: ScenarioRecord = {
    ...meta,
    scale: SCALE,
    size: recorder.size,
    standard: recorder.standard,
    details: recorder.details,
    notes: recorder.notes,
    passed: error === undefined,
    error: error === undefined ? undefined : String((error as Error)?.message ?? error).slice(0, 2_000),
    durationMs: Math.round(performance.now() - started),
    finishedAt: new Date().toISOString(),
  };
  writeFileSync(path.join(inject('reliabilityResultsDir'), `${meta.order}-${meta.id}.json`), JSON.stringify(record, null, 2));
  if (error !== undefined) throw error;
}

/** Records the machine and the PostgreSQL version once per run (each file may call it). */
export async function recordEnvironment(sql: Pool): Promise<void> {
  const { rows } = await sql.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  const environment = {
    node: process.version,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    postgres: rows[0]?.v,
    platform: `${os.platform()} ${os.release()}`,
  };
  writeFileSync(path.join(inject('reliabilityResultsDir'), 'environment.json'), JSON.stringify(environment, null, 2));
}
