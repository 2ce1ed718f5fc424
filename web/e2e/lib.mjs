// Shared helpers for the browser end-to-end tests: Chromium through
// playwright-core (Debian's /usr/bin/chromium; Playwright's own browser
// download does not work here), the console's address and accounts from the
// environment (set by internal/e2e/browser_test.go), and screenshots.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const env = {
  url: required('CONSOLE_URL'),
  loginServer: process.env.LOGIN_SERVER ?? '',
  admin: { username: process.env.ADMIN_USER ?? 'alice', password: process.env.ADMIN_PASSWORD ?? '' },
  viewer: { username: process.env.VIEWER_USER ?? 'victor', password: process.env.VIEWER_PASSWORD ?? '' },
  chromium: process.env.CHROMIUM ?? '/usr/bin/chromium',
  screenshots: process.env.SCREENSHOT_DIR ?? '',
  enrollResult: process.env.ENROLL_RESULT ?? '',
  pendingURL: process.env.PENDING_URL ?? '',
};

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through go test ./internal/e2e -run TestBrowser`);
  return v;
}

export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** launch starts Chromium with a fresh user-data-dir; close() removes it. */
export async function launch({ viewport = { width: 1280, height: 800 } } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'nc-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: env.chromium,
    args: ARGS,
    headless: true,
    viewport,
    acceptDownloads: true,
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
  const close = async () => {
    await context.close().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  return { context, close };
}

/** watch logs the page's errors so a failing test says why. */
export function watch(page, name) {
  const errors = [];
  page.on('pageerror', (e) => {
    errors.push(e.message);
    console.log(`[${name}] page error: ${e.message}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404|503)/.test(m.text())) console.log(`[${name}] console: ${m.text()}`);
  });
  return errors;
}

export async function signIn(page, who) {
  await page.goto(`${env.url}/signin`);
  await page.getByLabel('Username', { exact: true }).fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

/** shot saves a PNG under SCREENSHOT_DIR (docs/screenshots) when it is set. */
export async function shot(page, name, { fullPage = false } = {}) {
  if (!env.screenshots) return;
  await mkdir(env.screenshots, { recursive: true });
  // Let fonts, live data and transitions settle, and hide the caret.
  await page.evaluate(() => document.fonts?.ready);
  await page.addStyleTag({ content: '*{caret-color:transparent !important}' }).catch(() => {});
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header belongs at the top
  await page.screenshot({ path: path.join(env.screenshots, `${name}.png`), fullPage, animations: 'disabled' });
}

export async function until(what, fn, { timeout = 20_000, every = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * timeKeystroke types the last letter of a search and times, with the
 * browser's clock, the input event to the page header's count (".page-head
 * .sub") changing and painted. Returns { ms, t0, before, after }, or null
 * when the count did not change within timeout.
 */
export async function timeKeystroke(page, inputId, key, { timeout = 10_000 } = {}) {
  const before = await page.$eval('.page-head .sub', (el) => el.textContent);
  await page.evaluate((id) => {
    const input = document.getElementById(id);
    const sub = document.querySelector('.page-head .sub');
    window.__t0 = 0;
    window.__t1 = 0;
    input.addEventListener('input', () => (window.__t0 = performance.now()), { once: true, capture: true });
    const start = sub.textContent;
    const mo = new MutationObserver(() => {
      if (sub.textContent !== start && !window.__t1) {
        mo.disconnect();
        requestAnimationFrame(() => (window.__t1 = performance.now()));
      }
    });
    mo.observe(sub, { childList: true, subtree: true, characterData: true });
  }, inputId);
  await page.keyboard.type(key);
  const changed = await page
    .waitForFunction(() => window.__t1 > 0, null, { timeout })
    .then(() => true)
    .catch(() => false);
  if (!changed) return null;
  const { ms, t0 } = await page.evaluate(() => ({ ms: window.__t1 - window.__t0, t0: window.__t0 }));
  const after = await page.$eval('.page-head .sub', (el) => el.textContent);
  return { ms, t0, before, after };
}
