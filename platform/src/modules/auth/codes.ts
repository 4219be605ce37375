import { randomInt } from 'node:crypto';
import { tables } from '../../db/database.js';
import { isoNow } from '../../lib/clock.js';
import { newId, randomBase62 } from '../../lib/ids.js';
import { sha256Hex as sha256 } from '../../lib/sha256.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

/** How long each kind of emailed secret lives. */
const LIFETIME_MS: Record<store.CodeKind, number> = {
  otp: 10 * 60_000,
  'magic-link': 15 * 60_000,
  'password-reset': 60 * 60_000,
  'verify-email': 24 * 3600_000,
  oidc: 2 * 60_000,
};
/** Wrong guesses a one-time code survives before it is dead. */
export const OTP_MAX_ATTEMPTS = 5;

const bound = (token: string, binding: string | undefined) =>
  binding === undefined ? token : `${token}.${binding}`;

/**
 * Emailed one-time secrets, stored only as hashes: 6-digit codes (few attempts, minutes) and link
 * tokens (~238 random bits, used once).
 */
export function createCodes(services: Services) {
  const db = tables<store.AuthTables>(services.database);

  async function insert(
    projectId: string,
    kind: store.CodeKind,
    email: string,
    userId: string | null,
    hash: (id: string) => string,
  ) {
    const now = new Date();
    const id = newId('code');
    await store.retireCodes(db, projectId, email, kind, now.toISOString());
    await store.insertCode(db, {
      id,
      project_id: projectId,
      kind,
      email,
      user_id: userId,
      hash: hash(id),
      attempts: 0,
      expires_at: new Date(now.getTime() + LIFETIME_MS[kind]).toISOString(),
      used_at: null,
      created_at: now.toISOString(),
    });
  }

  return {
    /**
     * A new link token of `kind` (replacing any unused one for this email). With `binding`, the
     * token works only when presented with the same binding (an OIDC code with the app's PKCE challenge).
     */
    async issueLink(
      projectId: string,
      kind: Exclude<store.CodeKind, 'otp'>,
      email: string,
      userId: string | null,
      binding?: string,
    ) {
      const token = randomBase62(40);
      await insert(projectId, kind, email, userId, () => sha256(bound(token, binding)));
      return token;
    },

    /** Uses a link token once; null when unknown, used, expired or presented with another binding. */
    consumeLink(projectId: string, kind: Exclude<store.CodeKind, 'otp'>, token: string, binding?: string) {
      return store.consumeLink(db, projectId, kind, sha256(bound(token, binding)), isoNow());
    },

    /** A new 6-digit code for this email (replacing any unused one). */
    async issueOtp(projectId: string, email: string): Promise<string> {
      const code = String(randomInt(1_000_000)).padStart(6, '0');
      // Salted with the row id, so equal codes do not hash alike.
      await insert(projectId, 'otp', email, null, (id) => sha256(`${id}:${code}`));
      return code;
    },

    /** Whether `code` is this email's live code; every try counts, a right one is used up. */
    async verifyOtp(projectId: string, email: string, code: string): Promise<boolean> {
      const now = isoNow();
      const row = await store.attemptOtp(db, projectId, email, now, OTP_MAX_ATTEMPTS);
      if (!row || row.hash !== sha256(`${row.id}:${code}`)) return false;
      return store.useCode(db, row.id, now);
    },
  };
}

export type Codes = ReturnType<typeof createCodes>;
