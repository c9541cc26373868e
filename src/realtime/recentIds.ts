// A bounded set of recently seen event ids: drops repeats without doing arithmetic on opaque ids.
// Each id keeps the fingerprint of its payload (when known), so that after a new id epoch a replay
// of an old event (same id, same payload) can be told from a fresh event that reuses the id.
//
// Two generations instead of a ring: ids go into the young map; when it is full it becomes the
// old one and the previous old one is dropped whole. No per-id delete, so no hash-table churn on
// the hot path; at least `capacity / 2` and at most `capacity` most recent ids are remembered.
//
// The maps are keyed by a digest of the id computed here, a small integer, not by the id string:
// every id is a fresh string, and the browser's own hashing of it on the first lookup cost about
// 7 µs per event in the page at 5,000 events/s (measured), the largest cost per event after
// JSON.parse; the digest and an integer lookup cost well under 1 µs. Ids that share a digest are
// chained and told apart by the id itself, so a collision never makes a new event a repeat.

interface Seen {
  id: string
  fingerprint: number | undefined
  /** Another id with the same digest (rare). */
  next: Seen | undefined
}

/** FNV-1a over the UTF-16 code units: cheap, and enough to tell two payloads apart. */
export function fingerprintOf(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/** An id's fingerprint cut to 30 bits, so that it stays a small integer as a map key. */
export function idDigest(id: string): number {
  return fingerprintOf(id) & 0x3fffffff
}

function find(map: Map<number, Seen>, digest: number, id: string): Seen | undefined {
  for (let seen = map.get(digest); seen; seen = seen.next) if (seen.id === id) return seen
  return undefined
}

export class RecentIds {
  private young = new Map<number, Seen>()
  private old = new Map<number, Seen>()
  /** Ids in the young map (chained ones included). */
  private youngCount = 0
  private readonly generation: number

  constructor(capacity = 4096) {
    this.generation = Math.max(1, Math.ceil(capacity / 2))
  }

  /** Records `id`; false when it was already seen (a repeat to drop). */
  add(id: string, fingerprint?: number): boolean {
    const digest = idDigest(id)
    if (find(this.young, digest, id) || find(this.old, digest, id)) return false
    if (this.youngCount >= this.generation) {
      this.old = this.young
      this.young = new Map()
      this.youngCount = 0
    }
    this.young.set(digest, { id, fingerprint, next: this.young.get(digest) })
    this.youngCount += 1
    return true
  }

  has(id: string): boolean {
    const digest = idDigest(id)
    return find(this.young, digest, id) !== undefined || find(this.old, digest, id) !== undefined
  }

  /** True when `id` was seen with this very payload. */
  sameAs(id: string, fingerprint: number | undefined): boolean {
    if (fingerprint === undefined) return false
    const digest = idDigest(id)
    return (find(this.young, digest, id) ?? find(this.old, digest, id))?.fingerprint === fingerprint
  }
}

/**
 * A channel's repeat filter across id epochs: ids are comparable only within their epoch. A new
 * epoch starts empty; an event of it is a repeat only when it replays an event of the previous
 * epoch exactly (same id, same payload fingerprint).
 */
export class EpochFilter {
  private recent = new RecentIds()
  /** The previous epoch's ids: a replay of one of its events (same id, same payload) is a repeat. */
  private previous: RecentIds | null = null
  private current = 0

  get epoch(): number {
    return this.current
  }

  startEpoch(): void {
    this.current += 1
    this.previous = this.recent
    this.recent = new RecentIds()
  }

  /**
   * Records `id` in its epoch's filter; true when it was seen there already, or when it replays an
   * event of the previous epoch exactly. An event held from before the last epoch change is
   * checked against that epoch's filter; from further back, only the held batch itself is.
   */
  isRepeat(id: string, fingerprint: number | undefined, epoch: number): boolean {
    if (epoch === this.current)
      return !this.recent.add(id, fingerprint) || (this.previous?.sameAs(id, fingerprint) ?? false)
    if (epoch === this.current - 1 && this.previous) return !this.previous.add(id, fingerprint)
    return false
  }

  /** True when `id` was seen in this epoch (and records it): a rejected event is reported once. */
  seenBefore(id: string | null): boolean {
    return id !== null && !this.recent.add(id)
  }
}
