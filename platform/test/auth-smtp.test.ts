import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authTestPlatform, freshIp } from './support/auth.js';
import { BACKENDS } from './support/backends.js';
import type { TestPlatform } from './support/harness.js';

// With SMTP_URL, auth emails go to a real SMTP server (smtp-server, started here) and not to the
// outbox. Delivery does not depend on the metadata backend, so this runs on SQLite only.

interface Received {
  from: string;
  to: string[];
  raw: string;
}

describe('auth emails over SMTP', () => {
  const received: Received[] = [];
  /** While set, the SMTP server holds each message until the test releases it. */
  let hold: { arrived: () => void; release: Promise<void> } | null = null;
  let server: SMTPServer;
  let t: TestPlatform;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', async () => {
          if (hold) {
            hold.arrived();
            await hold.release;
          }
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    t = await authTestPlatform(BACKENDS[0]!, (base) => ({
      auth: { ...base.auth, smtpUrl: `smtp://127.0.0.1:${port}`, smtpFrom: 'App <auth@example.com>' },
    }));
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers a sign-in code that then signs the user in; nothing goes to the outbox', async () => {
    const email = 'smtp.user@example.com';
    const sent = await t.call({
      method: 'POST',
      path: '/v1/auth/otp',
      auth: t.keys.publishableKey,
      body: { email },
      headers: { 'x-forwarded-for': freshIp() },
    });
    expect(sent.status, sent.text).toBe(204);
    const mail = received.find((m) => m.to.includes(email));
    expect(mail, 'the SMTP server received the email').toBeDefined();
    expect(mail!.from).toBe('auth@example.com');
    const code = /code is (\d{6})/.exec(mail!.raw)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const verified = await t.call({
      method: 'POST',
      path: '/v1/auth/otp/verify',
      auth: t.keys.publishableKey,
      body: { email, code },
      headers: { 'x-forwarded-for': freshIp() },
    });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json.user.email).toBe(email);

    const outbox = await t.call({ method: 'GET', path: '/v1/auth/outbox', auth: t.keys.secretKey });
    expect(outbox.json.data).toEqual([]);
  });

  it('answers a password reset for an account before its email is delivered, as fast as for no account', async () => {
    const email = 'reset.user@example.com';
    const signUp = await t.call({
      method: 'POST',
      path: '/v1/auth/sign-up',
      auth: t.keys.publishableKey,
      body: { email, password: 'correct horse battery' },
      headers: { 'x-forwarded-for': freshIp() },
    });
    expect(signUp.status, signUp.text).toBe(201);
    await t.platform.services.auth.settled();

    let arrived!: () => void;
    const atServer = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release!: () => void;
    hold = { arrived, release: new Promise<void>((resolve) => (release = resolve)) };
    try {
      const reset = await t.call({
        method: 'POST',
        path: '/v1/auth/password-reset',
        auth: t.keys.publishableKey,
        body: { email },
        headers: { 'x-forwarded-for': freshIp() },
      });
      // The answer came while the SMTP server still held the message: it did not wait for it.
      expect(reset.status, reset.text).toBe(204);
      await atServer;
      expect(received.some((m) => m.to.includes(email) && m.raw.includes('Reset your password'))).toBe(false);
    } finally {
      release();
      hold = null;
    }
    await t.platform.services.auth.settled();
    const mail = received.find((m) => m.to.includes(email) && m.raw.includes('Reset your password'));
    expect(mail, 'delivered once released').toBeDefined();
  });
});
