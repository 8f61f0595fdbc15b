import { createHash } from 'node:crypto';

/** Small seeded PRNG (mulberry32): the same seed gives the same bodies on every run and machine. */
export class SeededRandom {
  private state: number;

  constructor(...seedParts: Array<string | number>) {
    this.state = createHash('sha256').update(seedParts.join('\u0000')).digest().readUInt32LE(0);
  }

  /** [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  /**
   * A decimal in [min, max] with at most `digits` decimals, as the JSON number Tradecloud sends
   * (`18.45`, never `18.450000000000003`).
   */
  decimal(min: number, max: number, digits: number): number {
    const scale = 10 ** digits;
    return Math.round((min + this.next() * (max - min)) * scale) / scale;
  }
}

/** A UUID (v4 layout) derived from `parts`: stable ids, e.g. the same line id for the same order and position in every event. */
export function stableUuid(...parts: Array<string | number>): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Buyer line position of the n-th line: 1 → "0010", 2 → "0020", 500 → "5000". */
export function linePosition(lineNumber: number): string {
  return String(lineNumber * 10).padStart(4, '0');
}

/** `iso` moved by `ms`, in Tradecloud's `yyyy-MM-ddThh:mm:ss.SSSZ` form. */
export function addMilliseconds(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/** `yyyy-MM-dd` plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The 1-based line numbers an option set asks for. */
export function selectLineNumbers(options: { lineCount?: number; firstLineNumber?: number; lineNumbers?: number[] }, defaultCount = 2): number[] {
  if (options.lineNumbers) return [...options.lineNumbers];
  const first = options.firstLineNumber ?? 1;
  return Array.from({ length: options.lineCount ?? defaultCount }, (_, index) => first + index);
}
