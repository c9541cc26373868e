// The three places the engine can run, best first: one SharedWorker per origin and API base URL
// (every tab of the browser shares it), else a Worker per tab, else the page itself (a strict CSP
// without `worker-src`). The same engine code in each: only the wiring of the port differs.
import engineVersion from 'virtual:engine-version'
import type { EngineHostOption } from './engineProxy'
import type { PortLike } from './enginePort'

/** A worker's name: a new build or an edited engine gets a fresh worker, never an old one. */
export function engineName(baseUrl: string): string {
  return `rtm-engine ${engineVersion} ${baseUrl || 'same-origin'}`
}

/** A worker whose script fails to load or run (blocked, broken) calls `failed`. */
function watched<W extends EventTarget>(worker: W, failed: () => void): W {
  worker.addEventListener('error', failed)
  return worker
}

export function engineHosts(baseUrl: string, shareAcrossTabs: boolean): EngineHostOption[] {
  const name = engineName(baseUrl)
  const hosts: EngineHostOption[] = []
  // Each constructor names its script and options inline: that is how the bundler finds and builds it.
  if (shareAcrossTabs && typeof SharedWorker === 'function') {
    hosts.push({
      kind: 'shared-worker',
      open: async (failed) =>
        watched(
          new SharedWorker(new URL('./engine.worker.ts', import.meta.url), {
            type: 'module',
            name,
          }),
          failed,
        ).port,
    })
  }
  if (typeof Worker === 'function') {
    hosts.push({
      kind: 'worker',
      async open(failed) {
        const worker = watched(
          new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name }),
          failed,
        )
        return {
          postMessage: (message) => worker.postMessage(message),
          addEventListener: (type, listener) => worker.addEventListener(type, listener),
          close: () => worker.terminate(),
        } satisfies PortLike
      },
    })
  }
  hosts.push({
    kind: 'page',
    async open() {
      // Loaded only here: where a worker runs the engine, the page never evaluates its code.
      const { EngineHost } = await import('./engineHost')
      const { port1, port2 } = new MessageChannel()
      new EngineHost(engineVersion).connect(port2)
      return port1
    },
  })
  return hosts
}
