/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_AEROSTACK_URL?: string;
  readonly VITE_AEROSTACK_PUBLISHABLE_KEY?: string;
}
