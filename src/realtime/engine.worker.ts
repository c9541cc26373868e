// The engine's worker script, for both hosts: a SharedWorker takes every tab's port as it connects;
// a dedicated Worker is itself the one tab's port.
import engineVersion from 'virtual:engine-version'
import { acceptTabs } from './engineHost'
import type { PortLike } from './enginePort'

const accept = acceptTabs(engineVersion)
// The app is typed against the DOM library.
const scope = globalThis as unknown as PortLike & {
  onconnect?: ((event: MessageEvent) => void) | null
}
if ('onconnect' in scope) {
  scope.onconnect = (event) => {
    const port = event.ports[0]
    if (port) accept(port)
  }
} else {
  accept(scope)
}
