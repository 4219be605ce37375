import type { components } from '@aerostack/spec/types';
import { tables } from '../../db/database.js';
import { ApiError } from '../../http/problem.js';
import { isoNow } from '../../lib/clock.js';
import type { Position } from '../../lib/cursor.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import { type Codes, createCodes } from './codes.js';
import { createMailer, type Mailer, outboxContext } from './mailer.js';
import { createOidc, type Oidc } from './oidc.js';
import { hashPassword, needsRehash, verifyPassword } from './password.js';
import { checkRedirect, linkTo } from './redirect.js';
import { createSessions, type Sessions, type SessionTokens } from './sessions.js';
import { createSigningKeys, type SigningKeys } from './signing-keys.js';
import * as store from './store.js';

type User = components['schemas']['AuthUser'];
type Session = components['schemas']['AuthSession'];
type Metadata = Record<string, unknown>;

const METADATA_MAX_BYTES = 16 * 1024;

export function toUser(row: store.UserRow): User {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    metadata: JSON.parse(row.metadata) as Metadata,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSignInAt: row.last_sign_in_at,
  };
}

const normalise = (email: string) => email.trim().toLowerCase();

function metadataJson(metadata: Metadata): string {
  const json = JSON.stringify(metadata);
  if (Buffer.byteLength(json) > METADATA_MAX_BYTES) {
    throw new ApiError('request/invalid-body', 'metadata is larger than 16 KiB as JSON.', {
      errors: [{ location: 'body/metadata', message: 'is larger than 16 KiB as JSON' }],
    });
  }
  return json;
}

const userNotFound = () => new ApiError('auth/user-not-found', 'No user of this project has this id.');
const invalidLink = () =>
  new ApiError('auth/invalid-link', 'The link is unknown, already used or expired; request a new one.');
const disabled = () => new ApiError('auth/user-disabled', 'The user is disabled.');

/** End users of each project, their sessions and the emailed flows (decision 0028). */
export function createAuthService(services: Services) {
  const db = tables<store.AuthTables>(services.database);
  const { config } = services;
  const keys: SigningKeys = createSigningKeys(services);
  const sessions: Sessions = createSessions(services, keys);
  const codes: Codes = createCodes(services);
  const mailer: Mailer = createMailer(services);
  // Compared against when the email is unknown, so a miss costs what a wrong password costs.
  const decoy = hashPassword('decoy password', config.auth.scrypt);

  async function sessionOf(projectId: string, tokens: SessionTokens): Promise<Session> {
    const row = await store.findUser(db, projectId, tokens.userId);
    if (!row) throw new Error(`session of a missing user ${tokens.userId}`);
    return {
      accessToken: tokens.accessToken,
      tokenType: 'bearer',
      expiresIn: Math.max(0, Math.floor((tokens.expiresAt.getTime() - Date.now()) / 1000)),
      expiresAt: tokens.expiresAt.toISOString(),
      refreshToken: tokens.refreshToken,
      user: toUser(row),
    };
  }

  /** Signs `user` in: a new session, and the time of it. */
  async function signIn(user: store.UserRow): Promise<Session> {
    if (user.disabled_at) throw disabled();
    const now = isoNow();
    await store.updateUser(db, user.project_id, user.id, { last_sign_in_at: now });
    return sessionOf(user.project_id, await sessions.start(user.project_id, user.id));
  }

  /** The user with this email, created (verified, no password) when absent: code and link sign-in. */
  async function userForEmail(projectId: string, email: string): Promise<store.UserRow> {
    const existing = await store.findUserByEmail(db, projectId, email);
    if (existing) {
      if (existing.email_verified_at) return existing;
      // Whoever signed up with this address never proved it; its owner just did. Their password
      // and sessions go, so an account registered in someone else's name is not taken over.
      const now = isoNow();
      const row = await store.updateUser(db, projectId, existing.id, {
        email_verified_at: now,
        password_hash: null,
        updated_at: now,
      });
      await sessions.revoke({ userId: existing.id });
      return row!;
    }
    const now = isoNow();
    const row: store.UserRow = {
      id: newId('usr'),
      project_id: projectId,
      email,
      password_hash: null,
      email_verified_at: now,
      metadata: '{}',
      disabled_at: null,
      created_at: now,
      updated_at: now,
      last_sign_in_at: null,
    };
    if (await store.insertUser(db, row)) return row;
    return (await store.findUserByEmail(db, projectId, email))!; // created meanwhile
  }

  async function verificationEmail(projectId: string, user: store.UserRow, redirect: string) {
    const token = await codes.issueLink(projectId, 'verify-email', user.email, user.id);
    return {
      to: user.email,
      subject: 'Confirm your email address',
      text: `Confirm your email address by opening this link:\n\n${linkTo(redirect, { token, type: 'verify-email' })}\n\nIt works once, within 24 hours.`,
    };
  }

  /** `redirectTo` if the project or the operator allows it; the platform URL when absent. */
  const redirectOf = async (projectId: string, redirectTo: string | undefined) =>
    redirectTo === undefined
      ? config.publicUrl
      : checkRedirect(redirectTo, config.publicUrl, [
          ...config.auth.redirectUrls,
          ...(await store.redirectUrls(db, projectId)),
        ]);

  const oidc: Oidc = createOidc(services, {
    codes,
    redirectOf,
    userForEmail,
  });

  return {
    sessions,
    keys,
    oidc,

    /** Signs in the user a finished OpenID Connect sign-in's one-time code names (decision 0032). */
    exchangeCode: async (projectId: string, code: string, codeVerifier: string): Promise<Session> =>
      signIn(await oidc.userOfCode(projectId, code, codeVerifier)),

    async signUp(
      projectId: string,
      input: { email: string; password: string; metadata?: Metadata; redirectTo?: string },
    ): Promise<Session> {
      const redirect = await redirectOf(projectId, input.redirectTo);
      const now = isoNow();
      const row: store.UserRow = {
        id: newId('usr'),
        project_id: projectId,
        email: normalise(input.email),
        password_hash: await hashPassword(input.password, config.auth.scrypt),
        email_verified_at: null,
        metadata: metadataJson(input.metadata ?? {}),
        disabled_at: null,
        created_at: now,
        updated_at: now,
        last_sign_in_at: null,
      };
      if (!(await store.insertUser(db, row))) {
        throw new ApiError('auth/email-taken', 'A user of this project already has this email address.');
      }
      await mailer.send(projectId, await verificationEmail(projectId, row, redirect));
      return signIn(row);
    },

    async signInWithPassword(projectId: string, email: string, password: string): Promise<Session> {
      const user = await store.findUserByEmail(db, projectId, normalise(email));
      const ok = await verifyPassword(password, user?.password_hash ?? (await decoy));
      if (!user?.password_hash || !ok) {
        throw new ApiError('auth/invalid-login', 'The email or the password is wrong.');
      }
      if (needsRehash(user.password_hash, config.auth.scrypt)) {
        const hash = await hashPassword(password, config.auth.scrypt);
        await store.updateUser(db, projectId, user.id, { password_hash: hash });
      }
      return signIn(user);
    },

    async refresh(projectId: string, refreshToken: string): Promise<Session> {
      return sessionOf(projectId, await sessions.refresh(projectId, refreshToken));
    },

    async sendOtp(projectId: string, email: string): Promise<void> {
      const address = normalise(email);
      const user = await store.findUserByEmail(db, projectId, address);
      if (user?.disabled_at) return; // same answer; a disabled user gets no code
      const code = await codes.issueOtp(projectId, address);
      await mailer.send(projectId, {
        to: address,
        subject: `Your sign-in code: ${code}`,
        text: `Your sign-in code is ${code}.\n\nIt works once, within 10 minutes. If you did not ask for it, ignore this email.`,
      });
    },

    async verifyOtp(projectId: string, email: string, code: string): Promise<Session> {
      const address = normalise(email);
      if (!(await codes.verifyOtp(projectId, address, code))) {
        throw new ApiError('auth/invalid-otp', 'The code is wrong, expired or used up; request a new one.');
      }
      return signIn(await userForEmail(projectId, address));
    },

    async sendMagicLink(projectId: string, email: string, redirectTo: string | undefined): Promise<void> {
      const redirect = await redirectOf(projectId, redirectTo);
      const address = normalise(email);
      const user = await store.findUserByEmail(db, projectId, address);
      if (user?.disabled_at) return;
      const token = await codes.issueLink(projectId, 'magic-link', address, user?.id ?? null);
      await mailer.send(projectId, {
        to: address,
        subject: 'Your sign-in link',
        text: `Sign in by opening this link:\n\n${linkTo(redirect, { token, type: 'magic-link' })}\n\nIt works once, within 15 minutes. If you did not ask for it, ignore this email.`,
      });
    },

    async verifyMagicLink(projectId: string, token: string): Promise<Session> {
      const used = await codes.consumeLink(projectId, 'magic-link', token);
      if (!used) throw invalidLink();
      return signIn(await userForEmail(projectId, used.email));
    },

    async verifyEmail(projectId: string, token: string): Promise<User> {
      const used = await codes.consumeLink(projectId, 'verify-email', token);
      const user = used?.user_id ? await store.findUser(db, projectId, used.user_id) : undefined;
      if (!user || user.email !== used?.email) throw invalidLink();
      const now = isoNow();
      return toUser(
        (await store.updateUser(db, projectId, user.id, {
          email_verified_at: user.email_verified_at ?? now,
          updated_at: now,
        }))!,
      );
    },

    async resendVerification(projectId: string, email: string, redirectTo: string | undefined) {
      const redirect = await redirectOf(projectId, redirectTo);
      const user = await store.findUserByEmail(db, projectId, normalise(email));
      if (user && !user.email_verified_at && !user.disabled_at) {
        mailer.later(projectId, () => verificationEmail(projectId, user, redirect));
      }
    },

    async requestPasswordReset(projectId: string, email: string, redirectTo: string | undefined) {
      const redirect = await redirectOf(projectId, redirectTo);
      const user = await store.findUserByEmail(db, projectId, normalise(email));
      if (!user || user.disabled_at) return;
      mailer.later(projectId, async () => {
        const token = await codes.issueLink(projectId, 'password-reset', user.email, user.id);
        return {
          to: user.email,
          subject: 'Reset your password',
          text: `Choose a new password by opening this link:\n\n${linkTo(redirect, { token, type: 'password-reset' })}\n\nIt works once, within an hour. If you did not ask for it, ignore this email.`,
        };
      });
    },

    async resetPassword(projectId: string, token: string, password: string): Promise<void> {
      const used = await codes.consumeLink(projectId, 'password-reset', token);
      const user = used?.user_id ? await store.findUser(db, projectId, used.user_id) : undefined;
      if (!user || user.email !== used?.email) throw invalidLink();
      const now = isoNow();
      await store.updateUser(db, projectId, user.id, {
        password_hash: await hashPassword(password, config.auth.scrypt),
        // Receiving the link proves the address.
        email_verified_at: user.email_verified_at ?? now,
        updated_at: now,
      });
      await sessions.revoke({ userId: user.id });
    },

    async signOut(sessionId: string, userId: string, scope: 'session' | 'everywhere'): Promise<void> {
      await sessions.revoke(scope === 'everywhere' ? { userId } : { ids: [sessionId] });
    },

    async getUser(projectId: string, userId: string): Promise<User> {
      const row = await store.findUser(db, projectId, userId);
      if (!row) throw userNotFound();
      return toUser(row);
    },

    /** The signed-in user's own changes; a new password signs out every other session. */
    async updateSelf(
      projectId: string,
      userId: string,
      sessionId: string,
      input: { metadata?: Metadata; password?: string; currentPassword?: string },
    ): Promise<User> {
      const user = await store.findUser(db, projectId, userId);
      if (!user) throw userNotFound();
      const now = isoNow();
      const changes: Parameters<typeof store.updateUser>[3] = { updated_at: now };
      if (input.metadata !== undefined) changes.metadata = metadataJson(input.metadata);
      if (input.password !== undefined) {
        // A user without a password (email sign-in only) sets a first one without a current one.
        if (
          user.password_hash &&
          !(
            input.currentPassword !== undefined &&
            (await verifyPassword(input.currentPassword, user.password_hash))
          )
        ) {
          throw new ApiError('auth/wrong-password', '`currentPassword` is missing or wrong.');
        }
        changes.password_hash = await hashPassword(input.password, config.auth.scrypt);
      }
      const row = (await store.updateUser(db, projectId, userId, changes))!;
      if (input.password !== undefined) await sessions.revoke({ userId, except: sessionId });
      return toUser(row);
    },

    /** The secret key's changes: disabling revokes every session of the user. */
    async updateUser(
      projectId: string,
      userId: string,
      input: { disabled?: boolean; emailVerified?: boolean; metadata?: Metadata },
    ): Promise<User> {
      const user = await store.findUser(db, projectId, userId);
      if (!user) throw userNotFound();
      const now = isoNow();
      const changes: Parameters<typeof store.updateUser>[3] = { updated_at: now };
      if (input.metadata !== undefined) changes.metadata = metadataJson(input.metadata);
      if (input.disabled !== undefined)
        changes.disabled_at = input.disabled ? (user.disabled_at ?? now) : null;
      if (input.emailVerified !== undefined)
        changes.email_verified_at = input.emailVerified ? (user.email_verified_at ?? now) : null;
      const row = await store.updateUser(db, projectId, userId, changes);
      if (!row) throw userNotFound();
      if (input.disabled) await sessions.revoke({ userId });
      return toUser(row);
    },

    async deleteUser(projectId: string, userId: string): Promise<void> {
      const ids = await services.database.db.transaction().execute(async (tx) => {
        const t = tables<store.AuthTables>(tx);
        if (!(await store.findUser(t, projectId, userId))) throw userNotFound();
        const removed = await store.deleteSessionsOf(t, userId);
        await store.deleteUser(t, projectId, userId);
        return removed;
      });
      await sessions.forget(ids);
    },

    listUsers: (projectId: string, position: Position | null, limit: number) =>
      store.listUsers(db, projectId, position, limit),

    async listOutbox(projectId: string, position: Position | null, limit: number) {
      // What this process was still sending when the caller asked is in the list.
      await mailer.settled();
      const rows = await store.listOutbox(db, projectId, position, limit);
      return Promise.all(
        rows.map(async (row) => ({
          ...row,
          subject: await services.vault.openText(row.subject, `${outboxContext(projectId, row.id)}:subject`),
          text: await services.vault.openText(row.body, outboxContext(projectId, row.id)),
        })),
      );
    },

    settings: async (projectId: string) => ({ redirectUrls: await store.redirectUrls(db, projectId) }),

    async updateSettings(projectId: string, settings: { redirectUrls: string[] }) {
      for (const [i, url] of settings.redirectUrls.entries()) {
        if (!URL.canParse(url) || url.includes('*')) {
          throw new ApiError('request/invalid-body', `redirectUrls[${i}] is not a URL prefix.`, {
            errors: [{ location: `body/redirectUrls/${i}`, message: 'is not a URL (no wildcards)' }],
          });
        }
      }
      await store.saveRedirectUrls(db, projectId, settings.redirectUrls, isoNow());
      return { redirectUrls: settings.redirectUrls };
    },

    /** Resolves once the emails this process sends in the background have gone out. */
    settled: () => mailer.settled(),

    async close() {
      sessions.close();
      keys.close();
      await mailer.close();
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
