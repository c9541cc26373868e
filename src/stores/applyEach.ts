// One store action per frame batch instead of one per event: Pinia's action wrapper costs more than
// most stores' per-event work at high rates, so each store exposes `applyAll` over its own `apply`.

/** Applies a batch of events in order; one that throws is reported and the rest still apply. */
export type BatchApplier<E> = (
  events: readonly E[],
  onError: (event: E, error: unknown) => void,
) => void

/** The batch version of a store's own (unwrapped) `apply`; returned from the store, it is one action. */
export function batchApplier<E>(apply: (event: E) => void): BatchApplier<E> {
  return (events, onError) => {
    for (const event of events) {
      try {
        apply(event)
      } catch (error) {
        onError(event, error)
      }
    }
  }
}
