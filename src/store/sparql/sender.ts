// Sends sealed receipts to the server one delivery at a time, in order: what the server did not
// confirm is kept in the spool and goes first in the next delivery.

import { KaizenError } from '../../errors.js';
import { insertRequests } from './insert.js';
import type { SparqlRemote } from './remote.js';
import type { OutgoingReceipt, Spool } from './spool.js';

export class ReceiptSender {
  /** Sealed receipts the server has not confirmed, oldest first (all of them are in the spool). */
  private pending: OutgoingReceipt[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly remote: SparqlRemote,
    private readonly journalGraph: string,
    private readonly spool: Spool,
    private readonly maxTriples: number,
  ) {}

  /** Takes back what a previous run spooled past the server's head; returns the last of it. */
  restore(headSeq: number): OutgoingReceipt | undefined {
    this.pending = this.spool.read().filter((r) => r.seq > headSeq);
    return this.pending[this.pending.length - 1];
  }

  get unconfirmed(): number {
    return this.pending.length;
  }

  get spoolPath(): string {
    return this.spool.path;
  }

  /** Sends `items` after whatever is pending; resolves once the server confirmed all of them. */
  send(items: readonly OutgoingReceipt[]): Promise<void> {
    const run = this.tail.then(() => this.deliver(items));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for the delivery under way. */
  async idle(): Promise<void> {
    await this.tail;
  }

  /**
   * Sends the pending receipts, then `items`, in requests the server takes. On a failure `items`
   * join the spool (fsynced) and the delivery is refused with the reason. The spool may keep
   * receipts the server did confirm before the failure: sending them again stores nothing twice
   * (see insertRequests), and on open only those past the server's head are taken back.
   */
  private async deliver(items: readonly OutgoingReceipt[]): Promise<void> {
    const queue = [...this.pending, ...items];
    const spooled = this.pending.length > 0;
    let sent = 0;
    try {
      for (const request of insertRequests(queue, this.journalGraph, this.maxTriples)) {
        await this.remote.update(request.text);
        sent = request.complete;
      }
    } catch (error) {
      this.spool.append(items);
      const unsent = queue.slice(sent);
      this.pending = unsent;
      const reason = error instanceof Error ? error.message : String(error);
      throw new KaizenError(
        error instanceof KaizenError ? error.code : 'KZN_ENDPOINT_UNREACHABLE',
        `${reason}; receipts ${unsent[0]!.seq}–${unsent[unsent.length - 1]!.seq} are kept in the spool (${this.spool.path}) and will be sent on the next append or open`,
        { cause: error, hint: 'Nothing is lost: the spool is re-sent, in order, once the server answers again.' },
      );
    }
    if (spooled) this.spool.clear();
    this.pending = [];
  }
}
