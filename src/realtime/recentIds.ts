// A bounded set of recently seen event ids: drops repeats without doing arithmetic on opaque ids.

export class RecentIds {
  private readonly seen = new Set<string>()
  private readonly order: string[] = []
  private next = 0

  constructor(private readonly capacity = 4096) {}

  /** Records `id`; false when it was already seen (a repeat to drop). */
  add(id: string): boolean {
    if (this.seen.has(id)) return false
    if (this.order.length < this.capacity) {
      this.order.push(id)
    } else {
      this.seen.delete(this.order[this.next] as string)
      this.order[this.next] = id
      this.next = (this.next + 1) % this.capacity
    }
    this.seen.add(id)
    return true
  }

  has(id: string): boolean {
    return this.seen.has(id)
  }
}
