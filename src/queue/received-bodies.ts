import { Injectable } from '@nestjs/common';

/**
 * Smallest body kept. Reading a small body back costs the database a fraction of a millisecond,
 * while keeping it in this process past a few young-generation collections moves it to the old
 * generation: at hundreds of requests a second that is megabytes a second more for the major
 * collector, whose pauses delay answers. A large body is allocated in the old generation anyway.
 */
const MIN_CHARS = 256 * 1024;
/** Most text kept at once (UTF-16 code units, about a byte each for JSON): a few large orders. */
const MAX_CHARS = 64 * 1024 * 1024;
/** Most bodies kept at once. */
const MAX_BODIES = 64;
/** A body not claimed this soon is claimed elsewhere (another instance) or later: dropped. */
const MAX_AGE_MS = 5_000;

interface ReceivedBody {
  text: string;
  keptAt: number;
}

/**
 * The large bodies this instance just committed to the inbox, kept for a few seconds so that its
 * own workers claim them without reading them back: `body::text` makes PostgreSQL print the jsonb
 * (190 ms for a 5,000-line order) and send it over the connection again. A body that is not here (evicted, stored by another instance, an event
 * processed again) is read from the inbox as before; nothing depends on this but speed.
 *
 * The text kept is the one intake stored (for tXML, its JSON conversion). Parsed, it gives the
 * values the stored jsonb gives: jsonb only reorders keys and respells numbers (`1.5E3` as `1500`),
 * and every value the appliers write goes through jsonb or `numeric` columns again. A text that
 * `parseExact` refuses (a repeated key, which jsonb resolves to the last) is read back instead.
 *
 * Empty, and keeping nothing, until the workers of this instance start (`enable`).
 */
@Injectable()
export class ReceivedBodies {
  private readonly bodies = new Map<string, ReceivedBody>();
  private chars = 0;
  private enabled = false;
  /** Bodies given to claims so far. */
  private given = 0;

  /** Called by the event workers of this instance when they start. */
  enable(): void {
    this.enabled = true;
  }

  /** Keeps the body of an event intake has just committed (its first delivery). */
  keep(eventId: string, text: string): void {
    if (!this.enabled || text.length < MIN_CHARS || text.length > MAX_CHARS) return;
    const now = performance.now();
    this.bodies.set(eventId, { text, keptAt: now });
    this.chars += text.length;
    this.evict(now);
  }

  /** The events whose bodies are kept: a claim reads no body of these from the inbox. */
  ids(): string[] {
    this.evict(performance.now());
    return [...this.bodies.keys()];
  }

  /**
   * Takes out the body of an event a claim got (once: a claim of another loop cannot have got
   * the same event). Undefined when it was dropped meanwhile: the claim reads it from the inbox.
   */
  take(eventId: string): string | undefined {
    const text = this.drop(eventId);
    if (text !== undefined) this.given++;
    return text;
  }

  /** Forgets a body (a claim read its event from the inbox: it was kept after the claim was sent); returns it. */
  drop(eventId: string): string | undefined {
    const kept = this.bodies.get(eventId);
    if (!kept) return undefined;
    this.remove(eventId, kept);
    return kept.text;
  }

  /** How many bodies are kept now. */
  get size(): number {
    return this.bodies.size;
  }

  /** How many bodies claims have taken so far. */
  get handedOver(): number {
    return this.given;
  }

  /** Drops the oldest bodies beyond the limits (a Map iterates in insertion order). */
  private evict(now: number): void {
    for (const [id, kept] of this.bodies) {
      if (this.chars <= MAX_CHARS && this.bodies.size <= MAX_BODIES && now - kept.keptAt <= MAX_AGE_MS) break;
      this.remove(id, kept);
    }
  }

  private remove(eventId: string, kept: ReceivedBody): void {
    this.bodies.delete(eventId);
    this.chars -= kept.text.length;
  }
}
