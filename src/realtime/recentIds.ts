// A bounded set of recently seen event ids: drops repeats without doing arithmetic on opaque ids.
// Two generations instead of a ring: no per-id delete on the hot path. Keyed by a digest of the id,
// not the string: see "Ids and cursors" in docs/protocol.md.

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

  /** True when `id` was seen with this very payload. */
  sameAs(id: string, fingerprint: number | undefined): boolean {
    if (fingerprint === undefined) return false
    const digest = idDigest(id)
    return (find(this.young, digest, id) ?? find(this.old, digest, id))?.fingerprint === fingerprint
  }
}

/** A channel's repeat filter across id epochs (docs/protocol.md, "Ids live in epochs"). */
export class EpochFilter {
  private recent = new RecentIds()
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

  /** Records `id`; true for a repeat. A held event is checked in the epoch it arrived in. */
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
