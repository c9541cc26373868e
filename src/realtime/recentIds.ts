// A bounded set of recently seen event ids: drops repeats without doing arithmetic on opaque ids.
// Each id keeps the fingerprint of its payload (when known), so that after a new id epoch a replay
// of an old event (same id, same payload) can be told from a fresh event that reuses the id.

export class RecentIds {
  private readonly seen = new Map<string, number | undefined>()
  private readonly order: string[] = []
  private next = 0

  constructor(private readonly capacity = 4096) {}

  /** Records `id`; false when it was already seen (a repeat to drop). */
  add(id: string, fingerprint?: number): boolean {
    if (this.seen.has(id)) return false
    if (this.order.length < this.capacity) {
      this.order.push(id)
    } else {
      this.seen.delete(this.order[this.next] as string)
      this.order[this.next] = id
      this.next = (this.next + 1) % this.capacity
    }
    this.seen.set(id, fingerprint)
    return true
  }

  has(id: string): boolean {
    return this.seen.has(id)
  }

  /** True when `id` was seen with this very payload. */
  sameAs(id: string, fingerprint: number | undefined): boolean {
    return fingerprint !== undefined && this.seen.get(id) === fingerprint
  }
}
