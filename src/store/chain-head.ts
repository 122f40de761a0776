// The head of one instance's receipt chain as a writer advances it: the position the next receipt
// takes, the digest it chains onto, and the receipts of recent event ids (so that a later
// caused_by becomes prov:wasInformedBy). Both stores seal through it.

import type { KaizenEvent } from '../evidence/event.js';
import { type ChainPosition, checkSealed, GENESIS_DIGEST, type Receipt, toReceipt, toReceiptBytes } from '../evidence/receipt.js';
import type { ReceiptBytes } from '../evidence/receipt-bytes.js';
import type { ReceiptBuilder } from '../evidence/store.js';
import { receiptIri } from '../evidence/vocabulary.js';

/** How many recent event ids a writer remembers to link caused_by across appends. */
const MAX_REMEMBERED_IDS = 100_000;

export class ChainHead {
  readonly instance: string;
  #seq = 0;
  #digest = GENESIS_DIGEST;
  readonly #receiptOfEventId = new Map<string, string>();

  constructor(instance: string) {
    this.instance = instance;
  }

  /** The sequence number of the last receipt sealed (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  get digest(): string {
    return this.#digest;
  }

  /** Puts the head at a receipt read back from storage (or back where a failed append began). */
  moveTo(seq: number, digest: string): void {
    this.#seq = seq;
    this.#digest = digest;
  }

  /** Seals events at the next positions. */
  sealEvents(events: readonly KaizenEvent[]): Receipt[] {
    return this.#seal(events, (event, at, informedBy) => toReceipt(event, at, informedBy));
  }

  /** Seals events at the next positions, writing their journal bytes into `out` (one after another). */
  sealEventsInto(events: readonly KaizenEvent[], out: ReceiptBytes): Receipt[] {
    return this.#seal(events, (event, at, informedBy) => toReceiptBytes(event, at, informedBy, out));
  }

  #seal(events: readonly KaizenEvent[], seal: (event: KaizenEvent, at: ChainPosition, informedBy: string | undefined) => Receipt): Receipt[] {
    return events.map((event) => {
      const informedBy = event.causedBy === undefined ? undefined : this.#receiptOfEventId.get(event.causedBy);
      const r = seal(event, { seq: this.#seq + 1, prevDigest: this.#digest, instance: this.instance }, informedBy);
      this.moveTo(r.seq, r.digest);
      if (event.id !== undefined) this.#remember(event.id, r.iri);
      return r;
    });
  }

  /** Seals receipts built by the caller (rollups) at the next positions. */
  sealBuilt(builders: readonly ReceiptBuilder[]): Receipt[] {
    return builders.map((build) => {
      const seq = this.#seq + 1;
      const r = build(seq, receiptIri(this.instance, seq), this.#digest);
      this.moveTo(seq, r.digest);
      return r;
    });
  }

  /** Takes receipts sealed elsewhere (kaizen migrate), unchanged: each must follow the one before. */
  follow(receipts: readonly Receipt[]): void {
    for (const r of receipts) {
      checkSealed(r, this.#seq, this.#digest);
      this.moveTo(r.seq, r.digest);
    }
  }

  #remember(id: string, iri: string): void {
    this.#receiptOfEventId.delete(id);
    this.#receiptOfEventId.set(id, iri);
    if (this.#receiptOfEventId.size > MAX_REMEMBERED_IDS) {
      const oldest = this.#receiptOfEventId.keys().next().value;
      if (oldest !== undefined) this.#receiptOfEventId.delete(oldest);
    }
  }
}
