import type { Transporter } from 'nodemailer';
import { tables } from '../../db/database.js';
import { newId } from '../../lib/ids.js';
import type { Services } from '../../services.js';
import * as store from './store.js';

export interface Email {
  to: string;
  subject: string;
  text: string;
}

/** How long the outbox keeps an email. */
const OUTBOX_KEEP_MS = 24 * 3600_000;

export const outboxContext = (projectId: string, id: string) => `auth-outbox:${projectId}:${id}`;

/**
 * Auth emails: through the SMTP server of `SMTP_URL`, or, without one, into the project's outbox
 * (`GET /v1/auth/outbox`, sealed at rest) so codes and links work on a laptop. A failed delivery
 * is logged, never reported to the caller (the answer must not depend on the address).
 *
 * Emails whose sending depends on whether the address has an account (password reset,
 * verification resend) go through `later`: composed and sent after the caller has its answer, so
 * the answer's timing cannot tell the two cases apart either (an SMTP exchange takes far longer
 * than a lookup). `settled()` waits for them: the outbox listing and shutdown do.
 */
export function createMailer(services: Services) {
  const { smtpUrl, smtpFrom } = services.config.auth;
  const db = tables<store.AuthTables>(services.database);
  // nodemailer loads with the first email sent over SMTP (~17 MB of resident memory otherwise).
  let transport: Promise<Transporter> | null = null;
  const smtp = (url: string) => {
    transport ??= import('nodemailer').then(({ createTransport }) => createTransport(url));
    return transport;
  };
  let announced = false;
  const pending = new Set<Promise<void>>();

  async function keep(projectId: string, email: Email): Promise<void> {
    const id = newId('msg');
    const now = new Date();
    await store.insertOutbox(
      db,
      {
        id,
        project_id: projectId,
        recipient: email.to,
        // Both sealed: a subject may carry the code itself.
        subject: await services.vault.seal(email.subject, `${outboxContext(projectId, id)}:subject`),
        body: await services.vault.seal(email.text, outboxContext(projectId, id)),
        created_at: now.toISOString(),
      },
      new Date(now.getTime() - OUTBOX_KEEP_MS).toISOString(),
    );
    if (!announced) {
      announced = true;
      services.logger.info('auth: no SMTP_URL, so auth emails go to the outbox: GET /v1/auth/outbox', {
        projectId,
      });
    }
  }

  const mailer = {
    async send(projectId: string, email: Email): Promise<void> {
      try {
        if (smtpUrl) await (await smtp(smtpUrl)).sendMail({ from: smtpFrom, ...email });
        else await keep(projectId, email);
      } catch (error) {
        services.logger.error('auth: could not deliver an email', {
          projectId,
          error: (error as Error).message,
        });
      }
    },
    /** Composes and sends `email` in the background; a failure is logged like a failed delivery. */
    later(projectId: string, compose: () => Promise<Email>): void {
      const job = (async () => {
        try {
          await mailer.send(projectId, await compose());
        } catch (error) {
          services.logger.error('auth: could not prepare an email', {
            projectId,
            error: (error as Error).message,
          });
        }
      })();
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },
    /** Resolves once every email handed to `later` so far has been sent (or has failed). */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
    },
    async close() {
      await mailer.settled();
      (await transport?.catch(() => null))?.close();
    },
  };
  return mailer;
}

export type Mailer = ReturnType<typeof createMailer>;
