// Size limits of the wire contract: what a client accepts. Servers check their own, stricter bounds
// (below these) at publish time, so nothing a server accepts is ever dropped by a client.

/** Largest event (or single line) a client accepts, in characters; a larger one is skipped whole. */
export const CLIENT_MAX_EVENT_CHARS = 1_000_000
/** Longest event id a client accepts; a longer one would make every reconnect's headers too large. */
export const MAX_ID_CHARS = 256

// Server-side bounds, checked when an event is published (and on every request), all below the
// client's caps above, so that whatever a server accepts every client can take.

/** Largest request body a server reads, in bytes; a larger one gets 413 before it is read. */
export const MAX_BODY_BYTES = 1024 * 1024
/** Largest `data` of one published event, in characters of JSON (a multiplexed stream adds `channel`). */
export const MAX_EVENT_DATA_CHARS = 500_000
/** Longest string anywhere in a published payload, in characters. */
export const MAX_STRING_CHARS = 10_000
/** Most items of any array in a published payload. */
export const MAX_ARRAY_ITEMS = 1_000
/** Deepest nesting of objects and arrays in a published payload (the payload itself is level 1). */
export const MAX_NESTING_DEPTH = 32
/** Longest event type name a server accepts from a producer or a dev control. */
export const MAX_EVENT_NAME_CHARS = 64
/** Highest simulated rate per channel, in events per second. */
export const MAX_RATE_PER_CHANNEL = 50_000
/** Largest `limit` of a history page; a larger one is refused, not cut. */
export const MAX_HISTORY_LIMIT = 1000
/** History page size when `limit` is not given. */
export const DEFAULT_HISTORY_LIMIT = 100
