// What a test opened (backends, clients, proxies) is closed after it, whether it passed or not.
import { afterEach } from 'vitest'

/**
 * For a test file's top level: `keep(thing)` returns it and closes it after the test, newest
 * first, whether the test passed or not (clients before the backends they talk to).
 */
export function closeAfterEach(): <T extends { close(): unknown }>(thing: T) => T {
  let open: { close(): unknown }[] = []
  afterEach(async () => {
    const closing = open.reverse()
    open = []
    for (const thing of closing) await thing.close()
  })
  return (thing) => {
    open.push(thing)
    return thing
  }
}
