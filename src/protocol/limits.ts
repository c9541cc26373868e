// Size limits of the wire contract: what a client accepts. Servers check their own, stricter bounds
// (below these) at publish time, so nothing a server accepts is ever dropped by a client.

/** Largest event (or single line) a client accepts, in characters; a larger one is skipped whole. */
export const CLIENT_MAX_EVENT_CHARS = 1_000_000
/** Longest event id a client accepts; a longer one would make every reconnect's headers too large. */
export const MAX_ID_CHARS = 256
