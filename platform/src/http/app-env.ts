/** The per-request variables middleware sets for handlers. */
export type AppEnv = {
  Variables: {
    requestId: string;
    /** Headers every response carries (request id, CORS, worker id), set once per request. */
    baseHeaders: Record<string, string>;
  };
};
