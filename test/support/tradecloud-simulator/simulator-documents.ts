import { createHash } from 'node:crypto';
import { SimulatedContent } from './generated-content';
import { TradecloudSimulator } from './tradecloud-simulator';

/** A document reference found in a body, with where it sits. */
export interface FoundDocumentReference {
  objectId?: string;
  url?: string;
  name?: string;
  code?: string;
  /** JSON path of its `documents` array, e.g. `orderDocumentsEvent.lines[0].supplierLine.documents`. */
  path: string;
}

/** Every entry of every `documents` array in a webhook body, order or shipment (walked defensively). */
export function collectDocumentReferences(body: unknown): FoundDocumentReference[] {
  const found: FoundDocumentReference[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}[${index}]`));
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key === 'documents' && Array.isArray(child)) {
        for (const document of child) {
          if (document && typeof document === 'object') {
            const { objectId, url, name, code } = document as Record<string, unknown>;
            found.push({
              objectId: typeof objectId === 'string' ? objectId : undefined,
              url: typeof url === 'string' ? url : undefined,
              name: typeof name === 'string' ? name : undefined,
              code: typeof code === 'string' ? code : undefined,
              path: childPath,
            });
          }
        }
      } else {
        walk(child, childPath);
      }
    }
  };
  walk(body, '');
  return found;
}

export interface RegisterDocumentsOptions {
  /** Size of each generated document. Default 1024 bytes. */
  sizeBytes?: number;
  /** Content per document; default deterministic bytes of `sizeBytes`, seeded by its objectId or URL. */
  content?: (reference: FoundDocumentReference) => SimulatedContent;
  contentType?: string;
}

/**
 * Puts content behind every document of `body` into the simulator: each `objectId` into its
 * object storage, each `url` under the simulator's `/partner/` path into its partner files
 * (other URLs are skipped). Returns what was registered, keyed by objectId or URL.
 */
export function registerDocuments(
  simulator: TradecloudSimulator,
  body: unknown,
  options: RegisterDocumentsOptions = {},
): Map<string, { filename: string; contentType: string; content: SimulatedContent }> {
  const registered = new Map<string, { filename: string; contentType: string; content: SimulatedContent }>();
  const partnerPrefix = simulator.partnerUrl('');
  for (const reference of collectDocumentReferences(body)) {
    const key = reference.objectId ?? reference.url;
    if (!key) continue;
    const content = options.content?.(reference) ?? { size: options.sizeBytes ?? 1024, seed: createHash('sha256').update(key).digest().readUInt32LE(0) };
    const document = {
      filename: reference.name ?? `${key.split('/').pop()}`,
      contentType: options.contentType ?? 'application/pdf',
      content,
    };
    if (reference.objectId) {
      simulator.documents.set(reference.objectId, document);
      registered.set(reference.objectId, document);
    } else if (reference.url?.startsWith(partnerPrefix)) {
      simulator.partnerFiles.set(decodeURIComponent(reference.url.slice(partnerPrefix.length)), document);
      registered.set(reference.url, document);
    }
  }
  return registered;
}
