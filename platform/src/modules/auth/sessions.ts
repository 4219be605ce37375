import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { tables } from '../../db/database.js';
import type { CredentialChecker } from '../../http/auth/credentials.js';
import type { Principal } from '../../http/auth/principal.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { createLookupCache } from '../../lib/lookup-cache.js';
import type { Services } from '../../services.js';
import type { SigningKeys } from './signing-keys.js';
import * as store from './store.js';

/** The bus channel session revocations travel on: every worker and node drops them from its cache. */
export const SESSIONS_REVOKED = 'auth.sessions.revoked';
/** Bound on how long another node may still honour a revoked session if the bus message is lost. */
export const SESSION_CACHE_TTL_MS = 30_000;

/** The tokens of one rotation of a session (its access token is the same whenever it is re-made). */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  userId: string;
}

export interface LiveSession {
  userId: string;
  projectId: string;
}

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]{1,1024}\.[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{1,512}$/;
// `rt_<sessionId>.<counter>.<mac>`: the session to look up, the rotation, and proof of both.
const REFRESH_SHAPE = /^rt_(ses_[0-9A-Za-z]{20})\.(0|[1-9][0-9]{0,9})\.([A-Za-z0-9_-]{43})$/;

/** The issuer of a project's access tokens (also where its JWKS lives, under `/jwks`). */
export const issuerOf = (publicUrl: string, projectId: string) =>
  `${publicUrl}/v1/auth/projects/${projectId}`;

const unauthorized = (code: 'auth/token-expired', detail: string) =>
  new ApiError(code, detail, {
    headers: { 'www-authenticate': 'Bearer realm="aerostack", error="invalid_token"' },
  });

/**
 * Sessions (decision 0028): one row per sign-in; a short-lived EdDSA access token naming the
 * session (`sid`); a refresh token derived from the session's sealed secret and its rotation
 * counter, so none is stored, a retried refresh within the grace interval gets the very same
 * successor, and an older one revokes the session.
 */
export function createSessions(services: Services, keys: SigningKeys) {
  const db = tables<store.AuthTables>(services.database);
  const { publicUrl, auth: config } = services.config;
  const live = createLookupCache<LiveSession>({ ttlMs: SESSION_CACHE_TTL_MS, max: 50_000 });
  const unsubscribe = services.bus.subscribe(SESSIONS_REVOKED, (message) => {
    live.invalidate((message as { ids: string[] }).ids);
  });

  const secretContext = (id: string) => `auth-session:${id}`;

  function mac(secret: Buffer, id: string, counter: number): string {
    return createHmac('sha256', secret).update(`refresh:${id}:${counter}`).digest('base64url');
  }

  /** The access and refresh tokens of `row` at rotation `counter`, made at `rotatedAt`. */
  async function tokensOf(row: store.SessionRow, counter: number, rotatedAt: string): Promise<SessionTokens> {
    const secret = await services.vault.open(row.secret, secretContext(row.id));
    const key = await keys.signingKey(row.project_id);
    const iat = Math.floor(Date.parse(rotatedAt) / 1000);
    const exp = iat + config.accessTtlSeconds;
    // Ed25519 signatures are deterministic: the same claims and key give the same token again.
    const accessToken = await new SignJWT({ sid: row.id })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .setIssuer(issuerOf(publicUrl, row.project_id))
      .setAudience(row.project_id)
      .setSubject(row.user_id)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    return {
      accessToken,
      refreshToken: `rt_${row.id}.${counter}.${mac(secret, row.id, counter)}`,
      expiresAt: new Date(exp * 1000),
      userId: row.user_id,
    };
  }

  async function revoke(where: Parameters<typeof store.revokeSessions>[1]): Promise<string[]> {
    const ids = await store.revokeSessions(db, where, isoNow());
    await forget(ids);
    return ids;
  }

  /** Drops sessions from every worker's and node's cache (after they were revoked or deleted). */
  async function forget(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    live.invalidate(ids);
    await services.bus.publish(SESSIONS_REVOKED, { ids });
  }

  const refreshInvalid = () =>
    new ApiError(
      'auth/invalid-refresh-token',
      'The refresh token is unknown, expired or revoked; sign in again.',
    );

  return {
    revoke,
    forget,

    /** Starts a session for the user (a new refresh-token family). */
    async start(projectId: string, userId: string): Promise<SessionTokens> {
      const id = newId('ses');
      const now = isoNow();
      const row: store.SessionRow = {
        id,
        project_id: projectId,
        user_id: userId,
        secret: await services.vault.seal(randomBytes(32), secretContext(id)),
        counter: 0,
        rotated_at: now,
        created_at: now,
        revoked_at: null,
      };
      await store.insertSession(db, row);
      return tokensOf(row, 0, now);
    },

    /**
     * Exchanges a refresh token: the current one rotates (once, however many race); the previous
     * one within the grace interval gets the same successor; any other revokes the session.
     */
    async refresh(projectId: string, refreshToken: string): Promise<SessionTokens> {
      const match = REFRESH_SHAPE.exec(refreshToken);
      if (!match) throw refreshInvalid();
      const [, id, n, presented] = match as unknown as [string, string, string, string];
      const counter = Number(n);
      let row = await store.findSession(db, projectId, id);
      if (!row || row.revoked_at) throw refreshInvalid();
      const secret = await services.vault.open(row.secret, secretContext(id));
      const expected = Buffer.from(mac(secret, id, counter));
      if (
        !timingSafeEqual(expected, Buffer.from(presented.padEnd(expected.length).slice(0, expected.length)))
      )
        throw refreshInvalid();
      if (Date.parse(row.rotated_at) + config.refreshTtlSeconds * 1000 < Date.now()) throw refreshInvalid();
      if (!(await store.findLiveSession(db, id))) {
        throw new ApiError('auth/user-disabled', 'The user is disabled.');
      }

      if (counter === row.counter) {
        const at = isoNow();
        if (await store.advanceSession(db, id, counter, at)) return tokensOf(row, counter + 1, at);
        row = await store.findSession(db, projectId, id); // lost the race: answer as a retry
        if (!row || row.revoked_at) throw refreshInvalid();
      }
      const withinGrace = Date.parse(row.rotated_at) + config.refreshGraceSeconds * 1000 >= Date.now();
      if (counter === row.counter - 1 && withinGrace) return tokensOf(row, row.counter, row.rotated_at);

      await revoke({ ids: [id] });
      throw new ApiError(
        'auth/refresh-token-reused',
        'This refresh token was already used, so its session has been revoked; sign in again.',
      );
    },

    /** The credential table row for access tokens (`eyJ…`, a compact JWS). */
    checker(): CredentialChecker {
      return {
        scheme: 'userSession',
        prefix: 'eyJ',
        shape: JWT_SHAPE,
        async verify(token): Promise<Principal | null> {
          let kid: string | undefined;
          try {
            const header = decodeProtectedHeader(token);
            if (header.alg !== 'EdDSA') return null;
            kid = header.kid;
          } catch {
            return null;
          }
          if (!kid || kid.length > 64) return null;
          const key = await keys.verifyingKey(kid);
          if (!key) return null;
          let claims: { sub?: string; sid?: unknown };
          try {
            ({ payload: claims } = await jwtVerify(token, key.publicKey, {
              algorithms: ['EdDSA'],
              audience: key.projectId,
              issuer: issuerOf(publicUrl, key.projectId),
              clockTolerance: 0,
            }));
          } catch (error) {
            if (error instanceof joseErrors.JWTExpired) {
              throw unauthorized('auth/token-expired', 'The access token has expired; refresh the session.');
            }
            return null;
          }
          const { sub, sid } = claims;
          if (typeof sid !== 'string' || typeof sub !== 'string') return null;
          const session = await live.load(sid, async () => {
            const row = await store.findLiveSession(db, sid);
            return row ? { userId: row.user_id, projectId: row.project_id } : null;
          });
          if (!session || session.userId !== sub || session.projectId !== key.projectId) return null;
          return {
            scheme: 'userSession',
            subject: sub,
            credentialId: sid,
            projectId: session.projectId,
            userId: sub,
          };
        },
      };
    },

    close() {
      unsubscribe();
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
