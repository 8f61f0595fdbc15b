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
 * change on every version (for example `lastUpdatedAt`, which the change row has anyway); `skip`
 * drops any key by its path (segments: keys and array indexes), on both sides, without walking
 * its value: parts of a document diffed on their own (a shipment's lines).
 */
export function jsonDiff(previous: unknown, next: unknown, ignore: readonly string[] = [], skip?: (path: ReadonlyArray<string | number>) => boolean): JsonDiff {
  const diff: JsonDiff = {};
  walk(previous, next, [], diff, ignore, skip);
  return diff;
}

/**
 * The walk keeps the path as a stack of segments (a key, or an array index) and writes it out only
 * for a difference: most of a document is equal, and building every node's path string was most
 * of the diff's time and garbage.
 */
function walk(a: unknown, b: unknown, path: Array<string | number>, diff: JsonDiff, ignore: readonly string[], skip?: (path: ReadonlyArray<string | number>) => boolean): void {
  if (a === b) return;
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      const length = Math.max(a.length, b.length);
      for (let i = 0; i < length; i++) {
        path.push(i);
        walk(a[i], b[i], path, diff, ignore, skip);
        path.pop();
      }
      return;
    }
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const top = path.length === 0;
    // The keys of both sides, the left's first, each once.
    for (const key of Object.keys(left)) {
      if (top && ignore.includes(key)) continue;
      path.push(key);
      // Own properties only: a key such as `valueOf` or `constructor` missing on the right is
      // absent there, not the function Object.prototype has under that name.
      if (!skip?.(path)) walk(left[key], hasOwn(right, key) ? right[key] : undefined, path, diff, ignore, skip);
      path.pop();
    }
    for (const key of Object.keys(right)) {
      if (hasOwn(left, key) || (top && ignore.includes(key))) continue;
      path.push(key);
      if (!skip?.(path)) walk(undefined, right[key], path, diff, ignore, skip);
      path.pop();
    }
    return;
  }
  if (!sameLeaf(a, b)) setChange(diff, pathText(path), { old: a ?? null, new: b ?? null });
}

/**
 * Records a change. A top-level key named `__proto__` has that path: it becomes an own key of the
 * diff (an assignment would set the diff's prototype, and the change would be lost).
 */
function setChange(diff: JsonDiff, path: string, change: FieldChange): void {
  if (path === '__proto__') Object.defineProperty(diff, path, { value: change, writable: true, enumerable: true, configurable: true });
  else diff[path] = change;
}

/** `buyerLine.deliverySchedule[1].quantity`; `$` for the root. An empty key is written `""` (bare, at the top it would be the root's path). */
function pathText(path: ReadonlyArray<string | number>): string {
  if (!path.length) return '$';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += (text ? '.' : '') + (segment === '' ? '""' : segment);
  }
  return text;
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !isNumberLike(value);
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
  // Exact numbers compare by value, digit by digit: 92.0 and 92 are the same number (the same
  // spelling, by far the most common case, needs no normalising).
  if (isNumberLike(a) && isNumberLike(b)) {
    const left = String(a);
    const right = String(b);
    return left === right || normalizeDecimal(left) === normalizeDecimal(right);
  }
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
