import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON with exact numbers. Tradecloud sends quantities and prices as JSON numbers with any
 * number of digits; `JSON.parse` would round them to doubles. Here every number stays the text
 * it was sent as, so `numeric` columns and the stored jsonb keep every decimal.
 */
export function parseExact(text: string): unknown {
  return parse(text);
}

export function stringifyExact(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** A decimal as text (`"18.45"`), or null when absent or not a number. */
export function decimalText(value: unknown): string | null {
  if (isLosslessNumber(value)) return (value as LosslessNumber).value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function integerValue(value: unknown): number | null {
  const text = decimalText(value);
  return text !== null && /^-?\d+$/.test(text) ? Number(text) : null;
}

export function textValue(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function isNumberLike(value: unknown): boolean {
  return typeof value === 'number' || isLosslessNumber(value);
}
