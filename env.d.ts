/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL every endpoint is resolved against; empty means same origin. */
  readonly VITE_API_BASE_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}

declare module 'virtual:engine-version' {
  /** A hash of the engine's source: names its worker, so an edit or a new build gets a fresh one. */
  const version: string
  export default version
}
