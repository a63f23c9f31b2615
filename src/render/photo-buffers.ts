/**
 * Reusable buffers for a batch's photo bytes.
 *
 * A photo read into a fresh Buffer is external memory, and V8 counts external memory allocated
 * since its last full collection against the old space's limit. A batch with a photo per card
 * (~1 MB each) in a process whose heap is small and tidy starts a full collection every ten or so
 * cards. Read into these buffers instead, the same memory carries photo after photo: renderBatch
 * gives a card's buffer back once the batch's file or socket has written its bytes.
 */

/** Buffers kept (each a slot of `slotBytes`): enough for the photos a batch has in flight. */
const DEFAULT_SLOTS = 12;
/** A 5 x 7 card's print master is ~1 MB; larger photos get a buffer of their own. */
const DEFAULT_SLOT_BYTES = 4 * 1024 * 1024;

export class PhotoBuffers {
  readonly #slotBytes: number;
  readonly #maxSlots: number;
  readonly #free: Buffer[] = [];
  readonly #waiting: Array<(slot: Buffer) => void> = [];
  /** The views handed out, each to the slot it came from. */
  readonly #lent = new WeakMap<Buffer, Buffer>();
  #made = 0;

  constructor(opts: { slots?: number; slotBytes?: number } = {}) {
    this.#maxSlots = Math.max(1, opts.slots ?? DEFAULT_SLOTS);
    this.#slotBytes = opts.slotBytes ?? DEFAULT_SLOT_BYTES;
  }

  /**
   * A buffer of exactly `bytes` for the caller to fill: a view of a free slot (waiting for one to
   * be given back when all are lent), or, past the slot size, a fresh buffer of its own.
   */
  async take(bytes: number): Promise<Buffer> {
    if (bytes > this.#slotBytes) return Buffer.allocUnsafeSlow(bytes);
    const slot = this.#free.pop() ?? this.#make() ?? (await this.#next());
    const view = slot.subarray(0, bytes);
    this.#lent.set(view, slot);
    return view;
  }

  /** Whether `buf` is a view this pool lent (and has not had back). */
  owns(buf: Uint8Array): boolean {
    return buf instanceof Buffer && this.#lent.has(buf);
  }

  /** Gives a lent view back; its bytes may be overwritten from now on. Others are ignored. */
  give(buf: Uint8Array): void {
    const slot = buf instanceof Buffer ? this.#lent.get(buf) : undefined;
    if (!slot) return;
    this.#lent.delete(buf as Buffer);
    const waiter = this.#waiting.shift();
    if (waiter) waiter(slot);
    else this.#free.push(slot);
  }

  #make(): Buffer | undefined {
    if (this.#made >= this.#maxSlots) return undefined;
    this.#made++;
    // Not from Node's shared pool: a slot is lent whole and must not share memory with anything.
    return Buffer.allocUnsafeSlow(this.#slotBytes);
  }

  #next(): Promise<Buffer> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}
