import { createTransport, type Transporter } from 'nodemailer';
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
 */
export function createMailer(services: Services) {
  const { smtpUrl, smtpFrom } = services.config.auth;
  const db = tables<store.AuthTables>(services.database);
  const transport: Transporter | null = smtpUrl ? createTransport(smtpUrl) : null;
  let announced = false;

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

  return {
    async send(projectId: string, email: Email): Promise<void> {
      try {
        if (transport) await transport.sendMail({ from: smtpFrom, ...email });
        else await keep(projectId, email);
      } catch (error) {
        services.logger.error('auth: could not deliver an email', {
          projectId,
          error: (error as Error).message,
        });
      }
    },
    close() {
      transport?.close();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
