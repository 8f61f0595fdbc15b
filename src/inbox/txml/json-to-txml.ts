import { isLosslessNumber } from 'lossless-json';
import { ArrayShape, childOf, GENERIC_OBJECT, ObjectShape, Shape, txmlShapeOf } from './txml-schema';

/** Characters XML 1.0 cannot carry at all (control characters other than tab, newline, carriage return). */
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * Writes a webhook body (parsed JSON, `LosslessNumber`s allowed) as Tradecloud's tXML, the way
 * the receiver reads it back (`txml-to-json.ts`): lists as repeated singular elements, an empty
 * list as an empty plural element (`<notes/>`, so that the round trip keeps it), `null` as
 * `xsi:nil`. Used by `tradecloud simulate --format txml` and the tests' tXML twins.
 * Throws for a value tXML cannot express with this schema (an unknown list, a list of lists).
 */
export function jsonToTxml(body: Record<string, unknown>, dto: Function, rootElement = 'tradecloudWebhook'): string {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n', `<${rootElement} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`];
  writeMembers(parts, txmlShapeOf(dto), body, '');
  parts.push(`</${rootElement}>\n`);
  return parts.join('');
}

function writeMembers(parts: string[], shape: ObjectShape, value: Record<string, unknown>, path: string): void {
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    const where = path ? `${path}.${key}` : key;
    const child = childOf(shape, key);
    if (Array.isArray(member)) {
      if (child.role !== 'wrapper') throw new Error(`${where}: a list tXML does not know (no singular element name for "${key}")`);
      writeList(parts, key, child.shape, member, where);
    } else {
      writeElement(parts, key, child.shape, member, where);
    }
  }
}

function writeList(parts: string[], key: string, list: ArrayShape, items: unknown[], where: string): void {
  if (items.length === 0) {
    parts.push(`<${key}/>`);
    return;
  }
  if (list.itemElement) {
    items.forEach((item, index) => writeElement(parts, list.itemElement!, list.item, item, `${where}[${index}]`));
    return;
  }
  // No published singular name: the plural wrapper form.
  parts.push(`<${key}>`);
  items.forEach((item, index) => writeElement(parts, 'item', list.item, item, `${where}[${index}]`));
  parts.push(`</${key}>`);
}

function writeElement(parts: string[], name: string, shape: Shape, value: unknown, where: string): void {
  if (value === null) {
    parts.push(`<${name} xsi:nil="true"/>`);
    return;
  }
  if (Array.isArray(value)) throw new Error(`${where}: a list inside a list cannot be written as tXML`);
  if (typeof value === 'object' && !isLosslessNumber(value)) {
    parts.push(`<${name}>`);
    writeMembers(parts, shape.kind === 'object' ? shape : GENERIC_OBJECT, value as Record<string, unknown>, where);
    parts.push(`</${name}>`);
    return;
  }
  const text = String(isLosslessNumber(value) ? (value as { value: string }).value : value);
  if (NOT_IN_XML.test(text)) throw new Error(`${where}: contains a character XML cannot carry`);
  parts.push(`<${name}>${escapeText(text)}</${name}>`);
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}
