import { readFileSync } from 'node:fs';
import path from 'node:path';

const SAMPLES = path.resolve(__dirname, 'tradecloud-simulator/samples');

export type SampleName =
  | 'post-order-event'
  | 'post-single-delivery-order-event'
  | 'post-order-documents-event'
  | 'post-shipment-event'
  | 'get-order-response'
  | 'get-shipment-response';

/** The raw text of a sample body (from the domain reference), as Tradecloud would send it. */
export function sampleText(name: SampleName): string {
  return readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8');
}

/** A fresh, mutable copy of a sample body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sample(name: SampleName): any {
  return JSON.parse(sampleText(name));
}
