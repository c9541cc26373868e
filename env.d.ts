/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL every endpoint is resolved against; empty means same origin. */
  readonly VITE_API_BASE_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
