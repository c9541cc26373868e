// An error as one line a person can read in diagnostics, whatever was thrown.

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
