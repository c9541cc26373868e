// The three places the engine can run, best first (docs/engine.md): only the wiring of the port
// differs.
import engineVersion from 'virtual:engine-version'
import type { EngineHostOption } from './engineProxy'
import type { PortLike } from './enginePort'
import { ENGINE_NAME, takeSharedEngine } from './sharedEngine'

export function engineHosts(shareAcrossTabs: boolean): EngineHostOption[] {
  const hosts: EngineHostOption[] = []
  if (shareAcrossTabs && typeof SharedWorker === 'function') {
    hosts.push({
      kind: 'shared-worker',
      async open(failed) {
        const shared = takeSharedEngine()
        if (!shared || shared.failed) return null
        shared.worker.addEventListener('error', failed)
        return shared.worker.port
      },
    })
  }
  if (typeof Worker === 'function') {
    hosts.push({
      kind: 'worker',
      async open(failed) {
        // Thrown (refused by a policy): the proxy tries the next host.
        const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
          type: 'module',
          name: ENGINE_NAME,
        })
        worker.addEventListener('error', failed)
        return Object.assign(worker, { close: () => worker.terminate() }) satisfies PortLike
      },
    })
  }
  hosts.push({
    kind: 'page',
    async open() {
      // Loaded only here: where a worker runs the engine, the page never evaluates its code.
      const { acceptTabs } = await import('./engineHost')
      const { port1, port2 } = new MessageChannel()
      acceptTabs(engineVersion)(port2)
      return port1
    },
  })
  return hosts
}
