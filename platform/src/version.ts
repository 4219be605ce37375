/** The platform's version, reported by `/healthz` and the API reference. */
export const VERSION = '0.1.0';
