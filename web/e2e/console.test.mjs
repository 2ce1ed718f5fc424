// Whole-system browser tests: the real console binary with a real managed
// Headscale and a real tailscaled, driven through Chromium. Run by
// internal/e2e/browser_test.go (go test ./internal/e2e -run TestBrowser),
// which prepares the accounts and the tailscaled and runs the enrollment
// command this test prints.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { env, launch, shot, signIn, until, watch } from './lib.mjs';

const NAME = 'web-01';
const RENAMED = 'web-02';

let admin; // { context, close }
let page; // the admin's working tab
let observer; // a second tab that only watches the machine list
let errors = [];

before(async () => {
  admin = await launch();
  page = await admin.context.newPage();
  errors = watch(page, 'admin');
  observer = await admin.context.newPage();
  watch(observer, 'observer');
});

after(async () => {
  await admin?.close();
});

/** row returns the machine row that shows name (in the given tab). */
function row(p, name) {
  return p.locator('.vrow', { has: p.getByRole('button', { name, exact: true }) });
}

async function enrollResult() {
  if (!env.enrollResult) return '';
  return readFile(env.enrollResult, 'utf8').catch(() => '');
}

const t0 = Date.now();
const mark = (what) => console.log(`  [${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

test('sign in', async () => {
  mark('browser ready');
  await page.goto(`${env.url}/machines?q=web`);
  await page.waitForURL(/\/signin\?next=/);
  assert.equal(new URL(page.url()).searchParams.get('next'), '/machines?q=web');
  await shot(page, 'sign-in');
  await page.getByLabel('Username', { exact: true }).fill(env.admin.username);
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong username or password').waitFor();
  mark('wrong password refused');
  await page.getByLabel('Password', { exact: true }).fill(env.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // back where we wanted to go
  await page.waitForURL((u) => u.pathname === '/machines' && u.searchParams.get('q') === 'web');
  await page.getByTestId('account').filter({ hasText: env.admin.username }).waitFor();
  mark('signed in');
  await page.goto(`${env.url}/machines`);
  await page.getByText('No machines yet').waitFor();
  await observer.goto(`${env.url}/machines`);
  await observer.getByText('Live', { exact: true }).waitFor();
  mark('observer tab live');
});

test('register a machine and watch it connect', async () => {
  await page.getByRole('link', { name: 'Add machine' }).click();
  await page.waitForURL('**/register');
  await page.evaluate(() => (window.__sameDocument = true));
  await page.getByLabel('Machine name').fill(NAME);
  await until('the user list', async () => (await page.getByLabel('User', { exact: true }).inputValue()) !== '');
  await shot(page, 'register-details');
  await page.getByRole('button', { name: /Create key/ }).click();
  const key = (await page.getByTestId('auth-key').textContent()).trim();
  assert.match(key, /^hskey-auth-/);
  await page.getByRole('timer').waitFor();
  const linux = (await page.getByRole('tabpanel').locator('pre').textContent()).trim();
  assert.match(linux, /tailscale up --login-server=\S+ --authkey=hskey-auth-\S+ --hostname=web-01/);
  for (const label of ['macOS', 'Windows', 'Proxmox', 'LXD', 'cloud-init']) {
    await page.getByRole('tab', { name: new RegExp(label) }).click();
    assert.ok((await page.getByRole('tabpanel').locator('pre').textContent()).includes(key), `${label} command carries the key`);
  }
  await page.getByRole('tab', { name: 'Linux' }).click();
  await shot(page, 'register-install', { fullPage: true });

  // Run what the page shows: the `tailscale up …` part of the Linux command
  // (the install script is not needed: the test's tailscaled is running).
  const up = linux.slice(linux.indexOf('tailscale up ') + 'tailscale up '.length).trim().split(/\s+/);
  console.log(`@@enroll ${JSON.stringify({ args: up })}`);

  // The page turns to "Connected" by itself, through the live stream.
  await until(
    'the wizard to show the machine connected',
    async () => {
      const r = await enrollResult();
      if (r.startsWith('error')) throw new Error(`tailscale up failed: ${r}`);
      return page.getByRole('heading', { name: 'Connected' }).isVisible();
    },
    { timeout: 90_000, every: 200 },
  );
  assert.equal((await page.getByTestId('enrolled-name').textContent()).trim(), NAME);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload happened');
  await shot(page, 'register-connected');
  // The other tab saw it arrive without reloading too.
  await row(observer, NAME).waitFor({ timeout: 30_000 });
  await row(observer, NAME).locator('.dot.on').waitFor({ timeout: 30_000 });
});

test('rename and tag the machine', async () => {
  await page.getByRole('link', { name: 'Show in Machines' }).click();
  await page.waitForURL(/\/machines\?q=web-01/);
  await row(page, NAME).waitFor();
  await page.getByRole('button', { name: `Actions for ${NAME}` }).click();
  await page.getByRole('menuitem', { name: 'Rename…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Machine name').fill(RENAMED);
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await dialog.waitFor({ state: 'detached' });
  await row(observer, RENAMED).waitFor(); // live, in the other tab
  assert.equal(await row(observer, NAME).count(), 0);

  await page.goto(`${env.url}/machines`);
  await page.getByRole('button', { name: `Actions for ${RENAMED}` }).click();
  await page.getByRole('menuitem', { name: 'Edit tags…' }).click();
  await page.getByRole('dialog').getByLabel('Add a tag').fill('tag:web');
  await page.getByRole('dialog').getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Save tags' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await row(observer, RENAMED).locator('.tag', { hasText: 'tag:web' }).waitFor();

  // Keyboard: the action menu opens, Esc closes it and focus returns.
  const menuButton = page.getByRole('button', { name: `Actions for ${RENAMED}` });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });
  assert.equal(await menuButton.evaluate((el) => el === document.activeElement), true);
});

test('a filter survives a reload through the URL', async () => {
  await page.goto(`${env.url}/machines`);
  await page.getByLabel('Search machines').fill('web-0');
  await page.getByLabel('Tag', { exact: true }).selectOption('tag:web');
  await page.getByLabel('Connection', { exact: true }).selectOption('true');
  await page.waitForURL((u) => u.searchParams.get('q') === 'web-0' && u.searchParams.get('tag') === 'tag:web' && u.searchParams.get('online') === 'true');
  await page.reload();
  await row(page, RENAMED).waitFor();
  assert.equal(await page.getByLabel('Search machines').inputValue(), 'web-0');
  assert.equal(await page.getByLabel('Tag', { exact: true }).inputValue(), 'tag:web');
  assert.equal(await page.getByLabel('Connection', { exact: true }).inputValue(), 'true');
  await page.getByLabel('Connection', { exact: true }).selectOption('false');
  await page.getByText('No machine matches these filters.').waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await row(page, RENAMED).waitFor();
  await shot(page, 'machines');
});

test('screenshots of every page', async () => {
  const pages = [
    ['/logins/AbCdEfGh12345678', 'pending-logins', 'Pending logins', true],
    ['/keys', 'keys', 'Pre-auth keys', true],
    ['/users', 'users', 'Users', true],
    ['/policy', 'policy', 'Access controls', false],
    ['/audit', 'audit-log', 'Audit log', true],
    ['/settings?tab=headscale', 'settings-headscale', 'Settings', true],
    ['/settings?tab=tokens', 'settings-tokens', 'Settings', true],
    ['/settings?tab=accounts', 'settings-accounts', 'Settings', true],
  ];
  for (const [path, name, heading, full] of pages) {
    await page.goto(env.url + path);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
    await page.waitForTimeout(300);
    await shot(page, name, { fullPage: full });
  }
  // A policy error is shown where it is.
  await page.goto(`${env.url}/policy`);
  const editor = page.getByLabel('Policy (HuJSON)');
  await editor.fill('{\n  "tagOwners": {"tag:web": ["default@"]},\n  "acls": [\n    {"action": "accept", "src": ["*"], "dst": ["*:*"]},,\n  ]\n}\n');
  await page.getByRole('button', { name: 'Check' }).click();
  const alert = page.locator('.policy-error');
  await alert.waitFor();
  console.log(`policy error shown: ${(await alert.textContent()).trim()}`);
  await shot(page, 'policy-error');

  // Phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${env.url}/machines`);
  await row(page, RENAMED).waitFor();
  await shot(page, 'machines-phone');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('a viewer sees no control that changes anything', async () => {
  const viewer = await launch();
  try {
    const v = await viewer.context.newPage();
    watch(v, 'viewer');
    await signIn(v, env.viewer);
    // ("Check now" only asks Headscale's health again; "Sign out" ends the viewer's own session.)
    const mutating = /^(Add machine|New key|New user|New token|New account|Add a machine|Rename|Delete|Revoke|Expire|Save|Check$|Approve|Reject|Create|Disable|Enable|Set password|Add a domain|Add a record|Discard changes|Remove)/;
    for (const path of ['/machines', '/keys', '/users', '/policy', '/audit', '/settings?tab=headscale', '/settings?tab=tokens', '/logins', '/register']) {
      await v.goto(env.url + path);
      await v.locator('h1').first().waitFor();
      await v.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
      await v.waitForTimeout(400);
      const controls = await v.$$eval('button, a.btn, [role=menuitem]', (els) =>
        els.filter((e) => e.offsetParent !== null && !e.disabled).map((e) => (e.getAttribute('aria-label') || e.textContent || '').trim()),
      );
      const bad = controls.filter((c) => mutating.test(c) || c.startsWith('Actions for'));
      assert.deepEqual(bad, [], `${path} shows a viewer mutating controls: ${bad.join(', ')}`);
      const editable = await v.$$eval('input, textarea, select', (els) =>
        els
          .filter((e) => e.offsetParent !== null && !e.disabled && !e.readOnly && !e.closest('.filters, fieldset:disabled'))
          .map((e) => e.getAttribute('aria-label') || e.name || e.id),
      );
      assert.deepEqual(editable, [], `${path} has editable fields for a viewer: ${editable.join(', ')}`);
    }
    // The machine is there to read.
    await v.goto(`${env.url}/machines`);
    await row(v, RENAMED).waitFor();
    await shot(v, 'machines-viewer');
    // Nav has no operator pages.
    const nav = await v.getByRole('navigation', { name: 'Main' }).textContent();
    assert.ok(!nav.includes('Logins'), 'viewer nav has no Pending logins');
  } finally {
    await viewer.close();
  }
});

test('Headscale stops: the page says so, keeps the list and recovers', async () => {
  await page.goto(`${env.url}/machines`);
  await row(page, RENAMED).waitFor();
  const status = async () => (await page.request.get(`${env.url}/api/v1/headscale`)).json();
  const first = await status();
  assert.equal(first.connection.mode, 'managed');
  let killed = 0;
  let lastPid = 0;
  // Kill the managed Headscale (SIGKILL, a crash) and keep killing each
  // restart until the page has noticed: a single outage lasts ~1.5 s.
  await until(
    'the "Headscale is not answering" banner',
    async () => {
      if (await page.getByTestId('headscale-banner').isVisible()) return true;
      const st = await status().catch(() => null);
      const pid = st?.connection?.managed?.pid;
      if (pid && pid !== lastPid && killed < 6) {
        try {
          process.kill(pid, 'SIGKILL');
          killed++;
          lastPid = pid;
          console.log(`killed managed headscale pid ${pid}`);
        } catch (err) {
          console.log(`kill ${pid}: ${err.message}`);
        }
      }
      return false;
    },
    { timeout: 45_000, every: 150 },
  );
  assert.match(await page.getByTestId('headscale-banner').textContent(), /Headscale is not answering/);
  // The last list is still shown.
  assert.equal(await row(page, RENAMED).count(), 1);
  await shot(page, 'headscale-down');
  // It recovers by itself.
  await page.getByTestId('headscale-banner').waitFor({ state: 'detached', timeout: 90_000 });
  await row(page, RENAMED).waitFor();
  const after = await status();
  assert.equal(after.health, 'ok');
  assert.ok(after.connection.managed.restarts >= 1);
});

test('revoke the machine and watch it leave the list', async () => {
  await page.goto(`${env.url}/machines`);
  await row(observer, RENAMED).waitFor();
  await page.getByRole('button', { name: `Actions for ${RENAMED}` }).click();
  await page.getByRole('menuitem', { name: 'Revoke…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(/loses\s+access to the tailnet/).waitFor();
  await shot(page, 'revoke-confirm');
  await dialog.getByRole('button', { name: 'Revoke machine' }).click();
  await dialog.waitFor({ state: 'detached' });
  await row(page, RENAMED).waitFor({ state: 'detached' });
  // The other tab, which did nothing, sees it go.
  await row(observer, RENAMED).waitFor({ state: 'detached', timeout: 30_000 });
  await observer.getByText('No machines yet').waitFor();
  // The audit log recorded all of it.
  await page.goto(`${env.url}/audit`);
  for (const action of ['node.delete', 'node.rename', 'preauthkey.create']) {
    await page.getByRole('cell', { name: action, exact: true }).first().waitFor();
  }
  // Filters go to the URL and to the export links.
  await page.getByLabel('Action', { exact: true }).fill('node.rename');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL((u) => u.searchParams.get('action') === 'node.rename');
  await page.getByRole('cell', { name: 'node.delete', exact: true }).waitFor({ state: 'detached' });
  for (const [label, ext, check] of [
    ['Export CSV', '.csv', (t) => t.split('\n')[0].includes('action') && t.includes('node.rename') && !t.includes('node.delete')],
    ['Export JSON', '.json', (t) => JSON.parse(t).every((e) => e.action === 'node.rename')],
  ]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: label }).click()]);
    assert.ok(download.suggestedFilename().endsWith(ext), `${label} file name ${download.suggestedFilename()}`);
    const text = await readFile(await download.path(), 'utf8');
    assert.ok(check(text), `${label} content: ${text.slice(0, 300)}`);
  }
  assert.deepEqual(errors, [], 'no uncaught errors in the page');
});

test('approve a pending login', async () => {
  // A second machine runs `tailscale up --login-server …` without a key.
  console.log('@@pending');
  const url = await until('the register URL tailscale printed', async () => (await readFile(env.pendingURL, 'utf8').catch(() => '')).trim(), {
    timeout: 45_000,
    every: 200,
  });
  assert.ok(!url.startsWith('error'), url);
  assert.match(url, /\/register\/[A-Za-z0-9_-]+$/);
  await page.goto(`${env.url}/logins`);
  await page.getByLabel('Login URL or ID').fill(url);
  await page.getByText(`Auth ID: ${url.slice(url.lastIndexOf('/') + 1)}`).waitFor();
  await page.getByLabel('User', { exact: true }).selectOption('default');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('.note.ok', { hasText: /laptop.*joined the tailnet/ }).waitFor({ timeout: 30_000 });
  await shot(page, 'pending-logins-approved');
  await row(observer, 'laptop').waitFor({ timeout: 30_000 });
});

test('change the managed Headscale settings', async () => {
  await page.goto(`${env.url}/settings?tab=headscale`);
  const base = page.getByLabel('Base domain', { exact: true });
  await base.waitFor();
  const oldBase = await base.inputValue();
  // Invalid values: each message appears next to its field, nothing restarts.
  await base.fill('bad_domain!');
  await page.getByLabel('Nameservers', { exact: true }).fill('9.9.9.9\nnot-an-ip');
  await page.getByRole('button', { name: 'Save and restart Headscale' }).click();
  await page.getByText('Some settings are not valid').waitFor();
  assert.equal(await base.getAttribute('aria-invalid'), 'true');
  const baseError = await base.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby').split(' ').pop())?.textContent);
  assert.match(baseError, /not a DNS name/);
  await page.getByText(/Nameserver 2: .*not an IP address/).waitFor();
  await shot(page, 'settings-headscale-errors', { fullPage: true });
  // A valid change: Headscale restarts with it.
  await base.fill(oldBase || 'tailnet.test');
  await page.getByLabel('Nameservers', { exact: true }).fill('9.9.9.9');
  await page.getByRole('button', { name: 'Save and restart Headscale' }).click();
  await page.getByText('Settings saved; Headscale restarted with them').waitFor({ timeout: 60_000 });
  await page.reload();
  await until('the saved nameserver after a reload', async () => (await page.getByLabel('Nameservers', { exact: true }).inputValue()) === '9.9.9.9');
});

test('signing out ends the session', async () => {
  await page.goto(`${env.url}/machines`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  const r = await page.request.get(`${env.url}/api/v1/auth/me`);
  assert.equal(r.status(), 401);
});
