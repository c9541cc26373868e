// Tokens live with the page (its storage, a function of the host page), which a worker cannot
// reach: the engine asks a tab for one before each attempt and waits for its answer.

const TOKEN_TIMEOUT_MS = 5000

export class TokenRequests {
  private readonly waits = new Map<number, (token: string | null) => void>()
  private next = 1

  ask(send: ((request: number) => void) | null): Promise<string | null> {
    if (!send) return Promise.resolve(null)
    const request = this.next++
    return new Promise((resolve) => {
      const done = (token: string | null) => {
        this.waits.delete(request)
        clearTimeout(timer)
        resolve(token)
      }
      const timer = setTimeout(() => done(null), TOKEN_TIMEOUT_MS)
      this.waits.set(request, done)
      send(request)
    })
  }

  answer(request: number, token: string | null): void {
    this.waits.get(request)?.(token)
  }
}
