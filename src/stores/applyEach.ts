// One store action per frame batch instead of one per event: Pinia's action wrapper costs more than
// most stores' per-event work at high rates, so each store exposes `applyAll` over its own `apply`.

/** Applies each event in order; one that throws is reported and the rest still apply. */
export function applyEach<E>(
  events: readonly E[],
  apply: (event: E) => void,
  onError: (event: E, error: unknown) => void,
): void {
  for (const event of events) {
    try {
      apply(event)
    } catch (error) {
      onError(event, error)
    }
  }
}
