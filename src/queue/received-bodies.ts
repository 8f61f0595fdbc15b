import { Injectable } from '@nestjs/common';
import { parseExact, parseExactFrom } from '../changes/lossless-json';

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
/**
 * Most text parsed ahead at once (see {@link ReceivedBody.parseSoon}): a parsed tree takes several
 * times its text's memory, so one 5,000-line order (11.6 M characters) at a time, not a few.
 */
const MAX_PARSED_CHARS = 16 * 1024 * 1024;

/**
 * A body intake is storing or has stored, for the workers of this instance. Intake may have it
 * parsed while the database stores it ({@link parseSoon}): the INSERT of a large body keeps
 * PostgreSQL busy for a while (jsonb input, compression), and the worker that claims the event
 * right after the commit then finds the tree ready instead of parsing for another 140 ms.
 */
export class ReceivedBody {
  private tree?: Record<string, unknown>;
  private refused = false;
  private scheduled = false;
  private reserved = false;
  private released = false;

  /** `JSON.parse(text)`, when intake's validation made it: the exact tree is made from it (in place) rather than from the text again. */
  private parsed?: unknown;

  constructor(
    readonly text: string,
    private readonly owner: ReceivedBodies,
  ) {}

  /**
   * Keeps the tree validation made of the text, counted against the budget of trees held at once
   * from now on (also while the INSERT waits for a connection); over the budget it is not kept.
   */
  hold(parsed: unknown): void {
    if (this.released || this.reserved || !(this.reserved = this.owner.reserveParse(this.text.length))) return;
    this.parsed = parsed;
  }

  /** Parses the body on a later turn of the event loop, if memory allows (at most once). */
  parseSoon(): void {
    if (this.scheduled || this.released) return;
    this.scheduled = true;
    if (!this.reserved && !(this.reserved = this.owner.reserveParse(this.text.length))) return;
    setImmediate(() => {
      if (this.released) return;
      try {
        this.parse();
        this.owner.parsedAhead++;
      } catch {
        // Refused by `parseExact` (a repeated key): the claim reads the stored jsonb instead.
      }
    });
  }

  /** The parsed body (parsed now when it was not parsed ahead); throws what `parseExact` throws. */
  parse(): Record<string, unknown> {
    if (this.tree) return this.tree;
    if (this.refused) throw new Error('parseExact refused this body');
    const parsed = this.parsed;
    this.parsed = undefined;
    try {
      this.tree = (parsed === undefined ? parseExact(this.text) : parseExactFrom(this.text, parsed)) as Record<string, unknown>;
      return this.tree;
    } catch (error) {
      this.refused = true;
      throw error;
    }
  }

  /** Forgets the tree and gives back its reservation (handed over, dropped, or not stored after all). */
  release(): void {
    if (this.reserved) this.owner.releaseParse(this.text.length);
    this.reserved = false;
    this.released = true;
    this.tree = undefined;
    this.parsed = undefined;
  }
}

interface KeptBody {
  body: ReceivedBody;
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
  private readonly bodies = new Map<string, KeptBody>();
  private chars = 0;
  private parsedChars = 0;
  private enabled = false;
  /** Bodies given to claims so far. */
  private given = 0;
  /** Bodies parsed while intake's INSERT ran, so far. */
  parsedAhead = 0;

  /** Called by the event workers of this instance when they start. */
  enable(): void {
    this.enabled = true;
  }

  /**
   * A body intake is about to store that would be kept: intake may have it parsed ahead
   * (`parseSoon`) and then keeps it (`keep`). Undefined when it would not be kept.
   */
  receive(text: string, parsed?: unknown): ReceivedBody | undefined {
    if (!this.enabled || text.length < MIN_CHARS || text.length > MAX_CHARS) return undefined;
    const body = new ReceivedBody(text, this);
    if (parsed !== undefined) body.hold(parsed);
    return body;
  }

  /** Keeps the body of an event intake has just committed (its first delivery). */
  keep(eventId: string, received: ReceivedBody | string): void {
    const body = typeof received === 'string' ? this.receive(received) : received;
    if (!body || !this.enabled) return;
    const now = performance.now();
    this.bodies.set(eventId, { body, keptAt: now });
    this.chars += body.text.length;
    this.evict(now);
  }

  /** Whether a body of this length may be parsed ahead now (counted until released). */
  reserveParse(chars: number): boolean {
    if (this.parsedChars + chars > MAX_PARSED_CHARS) return false;
    this.parsedChars += chars;
    return true;
  }

  releaseParse(chars: number): void {
    this.parsedChars -= chars;
  }

  /** The events whose bodies are kept: a claim reads no body of these from the inbox. */
  ids(): string[] {
    this.evict(performance.now());
    return [...this.bodies.keys()];
  }

  /**
   * Takes out the body of an event a claim got (once: a claim of another loop cannot have got
   * the same event); the claim parses it and releases it. Undefined when it was dropped
   * meanwhile: the claim reads it from the inbox.
   */
  take(eventId: string): ReceivedBody | undefined {
    const kept = this.bodies.get(eventId);
    if (!kept) return undefined;
    this.bodies.delete(eventId);
    this.chars -= kept.body.text.length;
    this.given++;
    return kept.body;
  }

  /** Forgets a body (a claim read its event from the inbox: it was kept after the claim was sent). */
  drop(eventId: string): void {
    const kept = this.bodies.get(eventId);
    if (kept) this.remove(eventId, kept);
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

  private remove(eventId: string, kept: KeptBody): void {
    this.bodies.delete(eventId);
    this.chars -= kept.body.text.length;
    kept.body.release();
  }
}
