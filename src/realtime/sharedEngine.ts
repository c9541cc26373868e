// The engine's SharedWorker, started once per page: by the boot script before the app's own code
// loads (src/boot.ts), and taken over by the shared-worker host (engineHosts.ts).
import engineVersion from 'virtual:engine-version'

/** A new build or an edited engine gets a fresh worker, never an old one. */
export const ENGINE_NAME = `rtm-engine ${engineVersion}`

/** `failed`: the worker reported an error (its script failed to load or run). */
type StartedEngine = { worker: SharedWorker; failed: boolean }
let shared: StartedEngine | null = null

/** The boot script's worker, once; then a new one, which joins the running engine if there is one. */
export function takeSharedEngine(): StartedEngine | null {
  const started = startSharedEngine()
  shared = null
  return started
}

/** Starts the worker the first time; null where no SharedWorker can start. */
export function startSharedEngine(): StartedEngine | null {
  if (shared || typeof SharedWorker !== 'function') return shared
  let worker: SharedWorker
  try {
    // The constructor names its script and options inline: that is how the bundler finds it.
    worker = new SharedWorker(new URL('./engine.worker.ts', import.meta.url), {
      type: 'module',
      name: ENGINE_NAME,
    })
  } catch {
    return null // refused at once (a policy): the next host is tried
  }
  const started = { worker, failed: false }
  worker.addEventListener('error', () => (started.failed = true))
  shared = started
  return started
}
