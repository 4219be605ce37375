/** The metadata database. Times are RFC 3339 strings (`toISOString`), which sort as text. */
export interface Schema {
  accounts: { id: string; name: string; created_at: string };
  projects: { id: string; account_id: string; name: string; created_at: string };
  api_keys: {
    id: string;
    kind: 'account' | 'secret' | 'publishable';
    account_id: string;
    project_id: string | null;
    hash: string;
    hint: string;
    created_at: string;
    revoked_at: string | null;
  };
  idempotency_keys: {
    scope: string;
    key: string;
    request_hash: string;
    /** null while the first request is still running */
    response_status: number | null;
    response_body: string | null;
    created_at: string;
  };
  cache_entries: {
    project_id: string;
    key: string;
    /** JSON text */
    value: string;
    /** epoch milliseconds; null = never */
    expires_at: number | null;
  };
}
