import { readFileSync } from 'node:fs';
import type { ProbeWindow } from './probe';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuSummary {
  /** Sampled wall time, ms. */
  totalMs: number;
  /** Time the main thread was busy (not idle, profiler overhead excluded), ms. */
  busyMs: number;
  /** Share of busy time per category (package, our folder, GC, …), descending. */
  categories: { name: string; ms: number }[];
  /** Heaviest functions by self time. */
  functions: { name: string; ms: number }[];
  /** Inclusive time of our own functions (dist/src), descending. */
  ours: { name: string; ms: number }[];
}

/** The receiver's compiled sources: dist/src/, or the benchmark's snapshot of it (dist-bench/receiver/src/). */
const OUR_CODE = /\/(?:dist|receiver)\/src\/([^/]+)\//;

/** Which part of the program a call frame belongs to. */
export function category(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    // The inspector session of the probe (starting/stopping the profiler), not the receiver's work.
    if (functionName === 'dispatch') return '(profiler)';
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8/native (program)';
    if (/^(parse|stringify)$/.test(functionName)) return `JSON.${functionName} (native)`;
    return 'V8/native builtins';
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const ours = OUR_CODE.exec(url);
  if (ours) return `src/${ours[1]}`;
  if (url.startsWith('node:')) {
    const part = /^node:(?:internal\/)?([^/]+)/.exec(url)?.[1] ?? 'internal';
    return `node:${['net', 'stream', 'streams', 'http', '_http_server', '_http_common', '_http_outgoing', '_http_incoming', 'deps'].includes(part) ? part.replace(/^_/, '') : 'other'}`;
  }
  return url.replace(/^.*\/(dist|dist-bench)\//, '');
}

function frameName(node: CpuNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/node_modules\//, '').replace(/^.*\/(dist|receiver)\/(?=src\/)/, '').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function summarizeCpuProfile(file: string): CpuSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    totalMs += ms;
    self.set(id, (self.get(id) ?? 0) + ms);
  });

  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  const ours = new Map<string, number>();
  let idleMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const name = category(node.callFrame.url, node.callFrame.functionName);
    if (name === '(idle)' || name === '(profiler)') {
      idleMs += ms;
      continue;
    }
    categories.set(name, (categories.get(name) ?? 0) + ms);
    const fn = frameName(node);
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    // Inclusive time of our functions: each distinct one of ours on the stack gets the sample once.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!;
      if (!OUR_CODE.test(frame.callFrame.url) || !frame.callFrame.functionName) continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      ours.set(name, (ours.get(name) ?? 0) + ms);
    }
  }
  const sorted = (map: Map<string, number>) => [...map].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs, busyMs: totalMs - idleMs, categories: sorted(categories), functions: sorted(functions), ours: sorted(ours) };
}

export interface SqlSummary {
  /** Statements per unit (event), by transaction kind and statement, heaviest first. */
  statements: { kind: string; statement: string; perUnit: number; meanMs: number; totalMs: number }[];
  perUnit: number;
  transactions: Record<string, number>;
}

export function summarizeSql(window: ProbeWindow, units: number): SqlSummary {
  const statements = Object.entries(window.statements)
    .map(([key, stats]) => {
      const [kind, statement] = key.split('|');
      return { kind, statement, perUnit: stats.count / units, meanMs: stats.totalMs / stats.count, totalMs: stats.totalMs };
    })
    .sort((a, b) => b.perUnit - a.perUnit || b.totalMs - a.totalMs);
  const perUnit = statements.reduce((sum, row) => sum + row.perUnit, 0);
  return { statements, perUnit, transactions: window.transactions };
}
