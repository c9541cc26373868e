// A bounded set of recently seen event ids: drops repeats without doing arithmetic on opaque ids.
// Each id keeps the fingerprint of its payload (when known), so that after a new id epoch a replay
// of an old event (same id, same payload) can be told from a fresh event that reuses the id.
//
// Two generations instead of a ring: ids go into the young map; when it is full it becomes the
// old one and the previous old one is dropped whole. No per-id delete, so no hash-table churn on
// the hot path; at least `capacity / 2` and at most `capacity` most recent ids are remembered.

export class RecentIds {
  private young = new Map<string, number | undefined>()
  private old = new Map<string, number | undefined>()
  private readonly generation: number

  constructor(capacity = 4096) {
    this.generation = Math.max(1, Math.ceil(capacity / 2))
  }

  /** Records `id`; false when it was already seen (a repeat to drop). */
  add(id: string, fingerprint?: number): boolean {
    if (this.young.has(id) || this.old.has(id)) return false
    if (this.young.size >= this.generation) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(id, fingerprint)
    return true
  }

  has(id: string): boolean {
    return this.young.has(id) || this.old.has(id)
  }

  /** True when `id` was seen with this very payload. */
  sameAs(id: string, fingerprint: number | undefined): boolean {
    if (fingerprint === undefined) return false
    return (this.young.has(id) ? this.young.get(id) : this.old.get(id)) === fingerprint
  }
}
