import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOrderEvent, buildSingleDeliveryOrderEvent } from '../../cli/simulate/order-builders';
import { parseExact, stringifyExact } from '../../changes/lossless-json';
import { OrderWebhookBodyDto } from '../../orders/dto/order-events.dto';
import { UnusableBodyError } from '../request-body';
import { jsonToTxml } from './json-to-txml';
import { convertTxml, formatProblem, isXmlContentType } from './txml-request-body';
import { TXML_ITEM_ELEMENTS, txmlShapeOf } from './txml-schema';
import { TxmlConverter, TxmlError, txmlToJson } from './txml-to-json';

const SAMPLES = path.resolve(__dirname, '../../../test/support/tradecloud-simulator/samples');
const sampleText = (name: string) => readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8');
const shape = () => txmlShapeOf(OrderWebhookBodyDto);
const convert = (xml: string) => JSON.parse(txmlToJson(xml, shape())) as Record<string, any>;
const ORDER_ID = 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718';

/** The canonical text of parsed JSON: keys sorted, numbers as their exact tokens. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object' && v.constructor === Object) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return stringifyExact(sort(value));
}

describe('tXML → JSON', () => {
  it.each(['post-order-event', 'post-single-delivery-order-event', 'post-order-documents-event'])('gives back the JSON of %s, written as tXML', (name) => {
    const json = parseExact(sampleText(name)) as Record<string, unknown>;
    const xml = jsonToTxml(json, OrderWebhookBodyDto);
    expect(xml).not.toContain('<lines>'); // Tradecloud's form: repeated singular elements
    expect(canonical(parseExact(txmlToJson(xml, shape())))).toBe(canonical(json));
  });

  it.each([1, 2, 3])('gives back generated order bodies exactly (seed %i)', (seed) => {
    for (const body of [buildOrderEvent({ seed, lineCount: 3, processStatus: 'InProgress' }), buildSingleDeliveryOrderEvent({ seed, splitLines: 1 })]) {
      const json = parseExact(JSON.stringify(body)) as Record<string, unknown>;
      expect(canonical(parseExact(txmlToJson(jsonToTxml(json, OrderWebhookBodyDto), shape())))).toBe(canonical(json));
    }
  });

  it('writes and reads back text that needs escaping, whitespace, null and exact numbers', () => {
    const body = parseExact(
      '{"eventName":"E","orderEvent":{"orderId":"x","reason":"  a < b && c > d\\r\\n ]]> \\"q\\"  ","portalUrl":null,"version":4,' +
        '"lines":[{"deliverySchedule":[{"quantity":123456789012345.678,"position":"0010"}]}]}}',
    ) as Record<string, unknown>;
    const xml = jsonToTxml(body, OrderWebhookBodyDto);
    expect(xml).toContain('<portalUrl xsi:nil="true"/>');
    expect(canonical(parseExact(txmlToJson(xml, shape())))).toBe(canonical(body));
  });

  it('refuses to write what tXML cannot carry', () => {
    expect(() => jsonToTxml({ eventName: 'E', orderEvent: { futureList: [1, 2] } }, OrderWebhookBodyDto)).toThrow('orderEvent.futureList: a list tXML does not know');
    expect(() => jsonToTxml({ eventName: 'E\u0001' }, OrderWebhookBodyDto)).toThrow('eventName: contains a character XML cannot carry');
  });

  it('reads lists from singular elements, one element as a one-item list, and accepts the plural wrapper form', () => {
    const body = convert(`<anyRoot>
      <eventName>OrderLinesConfirmedBySupplier</eventName>
      <orderEvent>
        <orderId>${ORDER_ID}</orderId>
        <buyerOrder><purchaseOrderNumber>PO1</purchaseOrderNumber><note>one</note>
          <destination><name>Dock 4</name><addressLine>Havenweg 12</addressLine></destination></buyerOrder>
        <line><id>a</id><buyerLine><position>0010</position><item><name>Hose</name></item></buyerLine>
          <deliverySchedule><deliveryScheduleLine><date>2025-07-01</date><quantity>12345678901234.56789</quantity></deliveryScheduleLine></deliverySchedule>
        </line>
        <line><id>b</id><indicators><deliveryOverdue>false</deliveryOverdue></indicators><salesOrderPosition>1</salesOrderPosition></line>
      </orderEvent>
    </anyRoot>`);
    const event = body.orderEvent;
    expect(event.buyerOrder.notes).toEqual(['one']);
    expect(event.buyerOrder.destination).toEqual({ names: ['Dock 4'], addressLines: ['Havenweg 12'] });
    expect(event.lines).toHaveLength(2);
    expect(event.lines[0].buyerLine).toEqual({ position: '0010', item: { name: 'Hose' } });
    expect(event.lines[1]).toEqual({ id: 'b', indicators: { deliveryOverdue: false }, salesOrderPosition: '1' });
    const exact = txmlToJson(`<r><orderEvent><line><deliverySchedule><deliveryScheduleLine><quantity>12345678901234.56789</quantity></deliveryScheduleLine></deliverySchedule></line></orderEvent></r>`, shape());
    expect(exact).toContain('"quantity":12345678901234.56789');
  });

  it('gives with its text the very tree JSON.parse makes of that text, numbers a double misprints included', () => {
    const xml =
      '<r><eventName>E</eventName><orderEvent><version>7</version><__proto__><polluted>yes</polluted></__proto__>' +
      '<line><deliverySchedule><deliveryScheduleLine><quantity>92.0</quantity><position>0010</position></deliveryScheduleLine>' +
      '<deliveryScheduleLine><quantity>12345678901234.56789</quantity></deliveryScheduleLine></deliverySchedule>' +
      '<indicators><deliveryOverdue>true</deliveryOverdue></indicators></line><line><quantity xsi:nil="true"/></line></orderEvent></r>';
    const converter = new TxmlConverter(shape());
    converter.write(xml);
    const { text, json } = converter.end();
    expect(text).toContain('"quantity":92.0');
    expect(text).toContain('"quantity":12345678901234.56789');
    expect(text).toContain('"__proto__":{"polluted":"yes"}');
    expect(json).toStrictEqual(JSON.parse(text));
    expect(Object.getPrototypeOf((json as any).orderEvent)).toBe(Object.prototype);
    expect(({} as any).polluted).toBeUndefined();
    expect(text).toBe(txmlToJson(xml, shape()));
  });

  it('keeps text that is not a number as text in numeric fields (validation then names it), and unknown elements as text', () => {
    const body = convert(`<r><orderEvent><version>4x</version><futureField>007</futureField><eventDates><issued>2025-01-01</issued></eventDates></orderEvent></r>`);
    expect(body.orderEvent).toEqual({ version: '4x', futureField: '007', eventDates: { issued: '2025-01-01' }, lines: [] });
  });

  it('reads empty lists from empty plural elements, xsi:nil as null, namespace prefixes dropped', () => {
    const body = convert(`<tc:r xmlns:tc="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><tc:orderEvent><tc:lines/><supplierOrder xsi:nil="true"/></tc:orderEvent></tc:r>`);
    expect(body).toEqual({ orderEvent: { lines: [], supplierOrder: null } });
  });

  it('reads a required list without elements as empty (an empty list is no element), an optional one as absent', () => {
    expect(convert(`<r><orderEvent><orderId>x</orderId><buyerOrder/></orderEvent></r>`)).toEqual({ orderEvent: { orderId: 'x', buyerOrder: {}, lines: [] } });
  });

  it('reads simpleOrderEvent as the single-delivery schema', () => {
    const body = convert(`<r><simpleOrderEvent><line><statusLine><scheduledDelivery><quantity>5.50</quantity></scheduledDelivery></statusLine></line></simpleOrderEvent></r>`);
    expect(txmlToJson(`<r><simpleOrderEvent><line><statusLine><scheduledDelivery><quantity>5.50</quantity></scheduledDelivery></statusLine></line></simpleOrderEvent></r>`, shape())).toContain('"quantity":5.50');
    expect(body.simpleOrderEvent.lines).toHaveLength(1);
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE r [<!ENTITY a "aaaa">]><r><eventName>&a;</eventName></r>', /DOCTYPE declaration; DTDs and entity declarations are not accepted/],
    ['an external entity', '<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>', /DOCTYPE declaration/],
    ['an undeclared entity', '<r><eventName>&xxe;</eventName></r>', /not well-formed XML/],
    ['malformed XML', '<r><eventName>x</r>', /not well-formed XML/],
    ['two event elements of one name', '<r><orderEvent><orderId>a</orderId></orderEvent><orderEvent/></r>', /<orderEvent> appears more than once in <r>/],
    ['a list given both ways', '<r><orderEvent><line/><lines/></orderEvent></r>', /unknown array shape: orderEvent\.lines is given both as <lines> and as its items/],
    ['a list given both ways (wrapper first)', '<r><orderEvent><lines/><line/></orderEvent></r>', /unknown array shape: orderEvent\.lines is given both as <lines> and as <line> elements/],
    ['a wrong item deep down', '<r><orderEvent><line/><line><deliverySchedule><deliveryScheduleLine/><x/></deliverySchedule></line></orderEvent></r>', /orderEvent\.lines\[1\]\.deliverySchedule holds both <deliveryScheduleLine> and <x>/],
    ['a wrapper with two kinds of items', '<r><orderEvent><lines><line/><row/></lines></orderEvent></r>', /unknown array shape: orderEvent\.lines holds both <line> and <row>/],
    ['a repeated unknown element', '<r><orderEvent><tag>a</tag><tag>b</tag></orderEvent></r>', /unknown array shape: <tag> appears more than once in orderEvent/],
    ['a list holding text', '<r><orderEvent><lines>text</lines></orderEvent></r>', /orderEvent\.lines is a list, but <lines> holds text/],
    ['another encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><r/>', /only UTF-8/],
    ['a root without children', '<r>text</r>', /no child elements/],
    ['two roots', '<r><a/></r><r/>', /not well-formed XML/],
  ])('refuses %s', (_name, xml, message) => {
    expect(() => txmlToJson(xml, shape())).toThrow(TxmlError);
    expect(() => txmlToJson(xml, shape())).toThrow(message);
  });

  /** Converts `xml` written in pieces of the given lengths, in turn. */
  const convertInPieces = (xml: string, lengths: number[]): string => {
    const converter = new TxmlConverter(shape());
    for (let at = 0, turn = 0; at < xml.length; at += lengths[turn++ % lengths.length]) converter.write(xml.slice(at, at + lengths[turn % lengths.length]));
    return converter.end().text;
  };

  it('gives the same JSON whatever pieces the text arrives in (inside tags, escapes, pairs of surrogates)', () => {
    const body = parseExact(JSON.stringify(buildOrderEvent({ seed: 4, lineCount: 3, processStatus: 'InProgress' }))) as Record<string, any>;
    body.orderEvent.reason = 'a < b & "c" 😀 ü';
    const xml = `\uFEFF${jsonToTxml(body, OrderWebhookBodyDto)}`;
    const whole = txmlToJson(xml, shape());
    expect(canonical(parseExact(whole))).toBe(canonical(body));
    for (const lengths of [[1], [2, 3], [7, 1, 13], [4096]]) expect(convertInPieces(xml, lengths)).toBe(whole);
  });

  it.each([
    ['<!DOC|TYPE r [<!ENTITY a "aaaa">]><r/>', 'DOCTYPE'],
    ['<r><eventName>x</eventName><|!ENTITY a "b"></r>', 'ENTITY'],
    ['<r><eventName>x</eventName><!|ATT|L|IST a b CDATA #IMPLIED></r>', 'ATTLIST'],
    [`<!${' '.repeat(5000)}|${' \n'.repeat(5000)}|ELEM|ENT a ANY><r/>`, 'ELEMENT'],
  ])('refuses a declaration split between pieces (%#)', (marked, keyword) => {
    const pieces = marked.split('|');
    const write = (last: number) => () => {
      const converter = new TxmlConverter(shape());
      for (const piece of pieces.slice(0, last)) converter.write(piece);
      converter.end();
    };
    // saxes itself refuses `<!` followed by anything but a declaration it knows, once it sees it;
    // the pieces up to the keyword's last letter are refused by name before that.
    expect(write(pieces.length)).toThrow(TxmlError);
    if (!/^<!\s/.test(marked)) expect(write(pieces.length)).toThrow(`The XML contains a <!${keyword} declaration`);
    expect(txmlToJson.bind(undefined, pieces.join(''), shape())).toThrow(`The XML contains a <!${keyword} declaration`);
  });

  it('refuses a declaration whose keyword follows whitespace in the next piece', () => {
    const converter = new TxmlConverter(shape());
    converter.write('<r><eventName>x</eventName><! ');
    expect(() => converter.write('DOCTYPE r>')).toThrow('The XML contains a <!DOCTYPE declaration');
  });

  it('takes nothing more after a problem', () => {
    const converter = new TxmlConverter(shape());
    expect(() => converter.write('<r><a></b>')).toThrow(/not well-formed XML/);
    expect(() => converter.write('</r>')).toThrow('The conversion has already failed');
    expect(() => converter.end()).toThrow('The conversion has already failed');
  });

  it('refuses nesting deeper than 64 levels', () => {
    expect(() => txmlToJson(`<r>${'<a>'.repeat(70)}${'</a>'.repeat(70)}</r>`, shape())).toThrow(/nested deeper than 64/);
  });

  it.each([
    ['<r><eventName>x</eventName><__proto__><a>1</a></__proto__></r>', /body\.__proto__: the key "__proto__" is not allowed/],
    ['<r><eventName>x</eventName><orderEvent><constructor>1</constructor></orderEvent></r>', /body\.orderEvent\.constructor: the key "constructor" is not allowed/],
    ['<r><eventName>x</eventName><note>a&#xD;&#x9;b</note><orderEvent/></r>', undefined],
  ])('refuses what could not be validated or stored safely, and only that (%s)', (xml, refused) => {
    let problem: string | undefined;
    try {
      convertTxml(xml, shape());
    } catch (error) {
      problem = (error as UnusableBodyError).problem;
    }
    if (refused) expect(problem).toMatch(refused);
    else expect(problem).toBeUndefined();
  });

  it('names JSON sent as tXML, and XML sent as JSON', () => {
    let problem = '';
    try {
      convertTxml('{"eventName":"x"}', shape());
    } catch (error) {
      problem = (error as UnusableBodyError).problem;
    }
    expect(problem).toMatch(/^The body is not well-formed XML: .*looks like JSON: send JSON with Content-Type application\/json/);
    expect(formatProblem('The body is not valid JSON: Unexpected token', '<r/>', true)).toMatch(/looks like XML: send tXML with Content-Type application\/xml/);
    expect(formatProblem('Content-Type must be application/json, got "text/plain"', 'x', true)).toBe('Content-Type must be application/json or application/xml (tXML), got "text/plain"');
  });

  it("converts the README's example to what the README says is stored", () => {
    const readme = readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    const xml = /## tXML[\s\S]*?```xml\n([\s\S]*?)```/.exec(readme)![1];
    const text = txmlToJson(xml, shape());
    const body = JSON.parse(text);
    expect(body.orderEvent.buyerOrder.notes).toEqual(['Deliver between 07:00 and 15:00']);
    expect(body.orderEvent.lines[0].deliverySchedule).toEqual([{ date: '2025-07-01', quantity: 60 }, { date: '2025-07-15', quantity: 40.5 }]);
    expect(body.orderEvent.lines[0].indicators).toEqual({ deliveryOverdue: false });
    expect(body.orderEvent.lines[0].buyerLine.position).toBe('0010');
  });

  it('recognises the XML content types', () => {
    for (const type of ['application/xml', 'text/xml; charset=utf-8', 'application/tradecloud+xml', 'APPLICATION/XML']) expect(isXmlContentType(type)).toBe(true);
    for (const type of ['application/json', 'application/xmlx', 'text/plain', '', undefined]) expect(isXmlContentType(type)).toBe(false);
  });

  it('has a singular element for every list of the order DTOs but deliveryScheduleIncludingRequests', () => {
    const missing = new Set<string>();
    const seen = new Set<unknown>();
    const walk = (s: ReturnType<typeof shape>) => {
      if (seen.has(s)) return;
      seen.add(s);
      for (const [name, field] of s.fields) {
        if (field.kind === 'array' && !field.itemElement) missing.add(name);
        const next = field.kind === 'array' ? field.item : field;
        if (next.kind === 'object') walk(next);
      }
    };
    walk(shape());
    expect([...missing]).toEqual(['deliveryScheduleIncludingRequests']);
    expect(Object.keys(TXML_ITEM_ELEMENTS)).toHaveLength(11);
  });
});
