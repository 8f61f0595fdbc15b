import { isNumberLike } from './lossless-json';

export interface FieldChange {
  old: unknown;
  new: unknown;
}

/** Changed field paths (`buyerLine.deliverySchedule[1].quantity`) with their old and new values. */
export type JsonDiff = Record<string, FieldChange>;

/**
 * Compares two JSON documents leaf by leaf. Arrays are compared by index; a value that appears
 * or disappears is reported with `null` on the missing side. `ignore` drops top-level keys that
 * change on every version (for example `lastUpdatedAt`, which the change row has anyway).
 */
export function jsonDiff(previous: unknown, next: unknown, ignore: readonly string[] = []): JsonDiff {
  const diff: JsonDiff = {};
  walk(previous, next, '', diff, new Set(ignore));
  return diff;
}

function walk(a: unknown, b: unknown, path: string, diff: JsonDiff, ignore: Set<string>): void {
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`, diff, ignore);
      return;
    }
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      if (path === '' && ignore.has(key)) continue;
      // An empty key is written `""`: bare, at the top it would be the root's path (`$`).
      const name = key === '' ? '""' : key;
      walk(left[key], right[key], path ? `${path}.${name}` : name, diff, ignore);
    }
    return;
  }
  if (!sameLeaf(a, b)) diff[path || '$'] = { old: a ?? null, new: b ?? null };
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !isNumberLike(value);
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
  // Exact numbers compare by value, digit by digit: 92.0 and 92 are the same number.
  if (isNumberLike(a) && isNumberLike(b)) return normalizeDecimal(String(a)) === normalizeDecimal(String(b));
  if (isContainer(a) || isContainer(b)) return JSON.stringify(a) === JSON.stringify(b) && Array.isArray(a) === Array.isArray(b);
  return false;
}

/** `"092.500"` → `"92.5"`; other notations (exponents) are left to `Number`. */
function normalizeDecimal(text: string): string {
  const match = /^(-?)0*(\d+?)(?:\.(\d*?)0*)?$/.exec(text);
  if (!match) return String(Number(text));
  const [, sign, whole, fraction] = match;
  const value = fraction ? `${whole}.${fraction}` : whole;
  return value === '0' ? '0' : `${sign}${value}`;
}
