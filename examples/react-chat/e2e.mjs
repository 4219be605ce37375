// The chat, end to end in a real browser: builds the app with Vite against a live platform, serves
// dist/, and drives Debian's Chromium through playwright-core in two browser contexts (two users
// who never share storage). A signs up with a password, B signs in with an email code read from
// the platform's outbox; each sees the other's message arrive live, without a reload or a re-read.
// Needs a running platform and its keys (scripts/with-platform.sh provides them):
//   scripts/with-platform.sh pnpm --filter @aerostack/example-react-chat e2e
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const { AEROSTACK_URL: url, AEROSTACK_SECRET_KEY: secretKey, AEROSTACK_PUBLISHABLE_KEY: pk } = process.env;
if (!url || !secretKey || !pk) throw new Error('Run against a platform: scripts/with-platform.sh …');
const LIVE_MS = 10_000; // how long a message may take to appear on the other side
const started = Date.now();
const step = (text) => console.log(`→ ${text} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

/** The machine's Chromium (Debian's `chromium` package); never a downloaded browser. */
function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error('No Chromium: apt-get install chromium (scripts/system-deps.sh does)');
  return found;
}

/** A tiny static server for dist/ (index.html for any path that is not a file). */
function serve(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((req, res) => {
    // normalize() of an absolute path cannot climb above it, so the file stays inside dir.
    const file = join(dir, normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    const found = statSync(file, { throwIfNoEntry: false })?.isFile() ? file : join(dir, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(found)] ?? 'application/octet-stream' });
    res.end(readFileSync(found));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The sign-in code the platform emailed to `email`, from its outbox (secret key). */
async function codeFor(email) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${url}/v1/auth/outbox?limit=20`, {
      headers: { authorization: `Bearer ${secretKey}` },
    });
    assert.equal(response.status, 200, 'GET /v1/auth/outbox');
    const { data } = await response.json();
    const mail = data.find((m) => m.to === email);
    const code = mail && /\b(\d{6})\b/.exec(`${mail.subject}\n${mail.text}`)?.[1];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no sign-in code for ${email} in the outbox`);
}

/** A user's page, counting its database reads so "live" means no re-read happened. */
async function openPage(browser, who, appUrl) {
  const context = await browser.newContext();
  context.setDefaultTimeout(LIVE_MS);
  const page = await context.newPage();
  const user = { who, context, page, reads: 0 };
  page.on('request', (request) => {
    // Every database call of a receiving page is a read (it posts nothing while it waits).
    if (new URL(request.url()).pathname === '/v1/db/query') user.reads++;
  });
  page.on('pageerror', (error) => console.error(`[${who}] page error:`, error.message));
  await page.goto(appUrl);
  return user;
}

async function enterRoom(user, room) {
  const { page } = user;
  await page.getByLabel('room', { exact: true }).fill(room);
  await page.getByTestId('messages').waitFor();
  await page.getByTestId('realtime-status').filter({ hasText: 'realtime: open' }).waitFor();
  assert.ok(user.reads > 0, `${user.who}'s history read was not seen`); // the read counter works
}

/** `from` posts `body`; `to` must show it live: no navigation, no new database read. */
async function postAndSeeLive(from, to, body) {
  const readsBefore = to.reads;
  const url = to.page.url();
  await from.page.getByLabel('message', { exact: true }).fill(body);
  await from.page.getByRole('button', { name: 'Send' }).click();
  await from.page.getByTestId('messages').getByText(body).waitFor({ timeout: LIVE_MS });
  await to.page.getByTestId('messages').getByText(body).waitFor({ timeout: LIVE_MS });
  assert.equal(to.page.url(), url, `${to.who} navigated`);
  assert.equal(to.reads, readsBefore, `${to.who} saw "${body}" through a re-read, not live`);
  step(`${to.who} saw ${from.who}'s "${body}" live`);
}

async function main() {
  execFileSync(process.execPath, [join(root, 'setup.mjs')], { stdio: 'inherit', env: process.env });

  process.env.VITE_AEROSTACK_URL = url;
  process.env.VITE_AEROSTACK_PUBLISHABLE_KEY = pk;
  await build({ root, logLevel: 'warn' });
  step('built the app with Vite');

  const server = await serve(join(root, 'dist'));
  const appUrl = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: chromiumPath() });
  const users = [];
  try {
    step(`Chromium ${browser.version()} on ${appUrl}`);
    const id = randomUUID().slice(0, 8);
    const room = `e2e-${id}`;

    const a = await openPage(browser, 'A', appUrl);
    users.push(a);
    const emailA = `a-${id}@example.com`;
    const signUp = a.page.getByRole('form', { name: 'sign up' });
    await signUp.getByPlaceholder('email').fill(emailA);
    await signUp.getByPlaceholder('password').fill(`pw-${randomUUID()}`);
    await signUp.getByRole('button', { name: 'Sign up' }).click();
    await a.page.getByTestId('signed-in-as').filter({ hasText: emailA }).waitFor();
    step('A signed up with a password');

    const b = await openPage(browser, 'B', appUrl);
    users.push(b);
    const emailB = `b-${id}@example.com`;
    const signIn = b.page.getByRole('form', { name: 'sign in with a code' });
    await signIn.getByPlaceholder('email').fill(emailB);
    await signIn.getByRole('button', { name: 'Send code' }).click();
    await signIn.getByText(`Code sent to ${emailB}`).waitFor();
    await signIn.getByPlaceholder('6-digit code').fill(await codeFor(emailB));
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await b.page.getByTestId('signed-in-as').filter({ hasText: emailB }).waitFor();
    step('B signed in with a code from the outbox');

    await enterRoom(a, room);
    await enterRoom(b, room);
    step(`both in #${room}, realtime open`);

    await postAndSeeLive(a, b, `hello from A ${id}`);
    await postAndSeeLive(b, a, `hi A, B here ${id}`);

    // Each message once (the live event and the re-read after a write are the same row), in order;
    // after a reload, read back from the database.
    const expected = [`hello from A ${id}`, `hi A, B here ${id}`];
    const bodies = (user) => user.page.getByTestId('messages').locator('.body').allTextContents();
    assert.deepEqual(await bodies(a), expected);
    assert.deepEqual(await bodies(b), expected);
    await a.page.reload();
    await enterRoom(a, room);
    assert.deepEqual(await bodies(a), expected);
    step('both list each message once, in order; after a reload too');

    await a.page.getByRole('button', { name: 'Sign out' }).click();
    await a.page.getByRole('form', { name: 'sign up' }).waitFor();
    step('A signed out');
    console.log('✓ react-chat e2e passed');
  } catch (error) {
    // What each user saw, to tell a failing platform call (shown in the page) from a slow one.
    for (const { who, page } of users) {
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, with the line breaks
      console.error(`--- ${who}'s page ---\n${await page.locator('body').innerText().catch(String)}`);
    }
    throw error;
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

main().catch((error) => {
  console.error('✗ react-chat e2e failed:', error);
  process.exit(1);
});
