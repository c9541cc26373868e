// Cuts text from the wire to a length a person can read, marking the cut with an ellipsis.

/** `text` if it fits in `max` characters, else its first `max - 1` and "…" (never splits a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  const code = text.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return `${text.slice(0, end)}…`
}
