// The inventory pages against the real console: a real managed Headscale, a
// real LXD daemon with busybox containers, and the four cloud simulators
// (AWS, GCP, Azure, Proxmox) speaking their APIs' wire formats. Run by
// internal/e2e/browser_inventory_test.go (go test ./internal/e2e -run
// TestBrowserInventory), which starts all of them, passes the accounts to add
// in CLOUDS, and does on request what a browser cannot: "@@fail <kind> on|off"
// makes a simulator fail, "@@join" brings a real tailscaled up with the key
// the console's install handed to the container.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { env, launch, shot, signIn, until, watch } from './lib.mjs';

const clouds = JSON.parse(process.env.CLOUDS ?? '[]');
const joinResult = process.env.JOIN_RESULT ?? '';

let admin;
let page;
let errors = [];

before(async () => {
  assert.ok(clouds.length === 5, 'CLOUDS must list the five accounts to add (set by TestBrowserInventory)');
  admin = await launch();
  page = await admin.context.newPage();
  errors = watch(page, 'admin');
  await signIn(page, env.admin);
});

after(async () => {
  await admin?.close();
});

const t0 = Date.now();
const mark = (what) => console.log(`  [${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

/** api calls the console's API with the page's session. */
async function api(p, path) {
  return p.evaluate(async (u) => {
    const r = await fetch(u, { credentials: 'same-origin' });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, path);
}

/** row is the VM row (list) or card (grid) of the VM named name. */
function vmRow(p, name) {
  return p.getByTestId('vm-row').filter({ has: p.getByRole('button', { name, exact: true }) });
}

/** card is the Clouds page's card of the account named name. */
function card(p, name) {
  return p.getByRole('article', { name, exact: true });
}

async function vmKey(p, name) {
  const r = await api(p, `/api/v1/vms?q=${encodeURIComponent(name)}&limit=5`);
  const vm = r.body?.vms?.find((v) => v.name === name);
  assert.ok(vm, `VM ${name} is in the inventory`);
  return vm;
}

test('the landing page is the overview', async () => {
  await page.goto(`${env.url}/`);
  await page.getByTestId('overview').waitFor();
  await page.getByTestId('tile-clouds').waitFor();
  mark('overview shown');
});

test('add a cloud of each kind through its form and see its VMs', async () => {
  const kinds = (await api(page, '/api/v1/clouds/kinds')).body.kinds;
  for (const c of clouds) {
    const kind = kinds.find((k) => k.name === c.kind);
    assert.ok(kind, `kind ${c.kind} is described`);
    await page.goto(`${env.url}/clouds`);
    await page.getByTestId('add-cloud').click();
    await page.locator(`[data-testid="kind-choice"][data-kind="${c.kind}"]`).first().click();
    await page.waitForURL((u) => u.pathname === '/clouds/new' && u.searchParams.get('kind') === c.kind);
    await page.getByLabel('Name', { exact: true }).fill(c.name);
    if (kind.fields.some((f) => f.advanced && c.config[f.name] !== undefined)) {
      await page.locator('details', { hasText: 'Advanced' }).locator('summary').first().click();
    }
    for (const f of kind.fields) {
      const v = c.config[f.name];
      if (v === undefined) continue;
      const input = page.getByLabel(f.label, { exact: true });
      if (f.type === 'bool') await input.setChecked(Boolean(v));
      else if (f.options) await input.selectOption(String(v));
      else await input.fill(Array.isArray(v) ? v.join(', ') : String(v));
    }
    if (c.kind === 'aws') await shot(page, 'cloud-form-aws', { fullPage: true });
    await page.getByTestId('check-connection').click();
    const check = page.locator('[data-testid="cloud-check"][data-ok]');
    await check.waitFor({ timeout: 30_000 });
    assert.equal(await check.getAttribute('data-ok'), 'true', `test connection of ${c.kind}: ${await check.textContent()}`);
    if (c.kind === 'azure') await shot(page, 'cloud-form-tested', { fullPage: true });
    await page.getByTestId('save-cloud').click();
    await page.waitForURL((u) => u.pathname === '/clouds');
    await card(page, c.name).waitFor();
    mark(`${c.kind} added`);
  }
  // Every card fills with its VMs as the first syncs finish.
  for (const c of clouds) {
    const c1 = card(page, c.name);
    await until(`${c.name} synced`, async () => (await c1.getAttribute('data-status')) === 'ok', { timeout: 60_000 });
  }
  // The cards turn ok as their syncs finish; the inventory holds every VM
  // once the last one is folded in.
  const total = await until('every account synced: about 10,000 VMs in the inventory', async () => {
    const accounts = (await api(page, '/api/v1/clouds')).body.clouds;
    if (accounts.length !== clouds.length || !accounts.every((a) => a.sync?.lastSuccess)) return false;
    const sum = accounts.reduce((n, a) => n + a.sync.vms, 0);
    const n = (await api(page, '/api/v1/vms?limit=1')).body.total;
    return n > 9000 && n === sum && n;
  }, { timeout: 60_000 });
  mark(`all synced: ${total} VMs`);
  await shot(page, 'clouds', { fullPage: true });

  await page.goto(`${env.url}/vms`);
  await page.getByTestId('vm-row').first().waitFor();
  await page.locator('.page-head .sub').filter({ hasText: total.toLocaleString('en-US') }).waitFor();
  await shot(page, 'vms');
  await page.goto(`${env.url}/`);
  await page.getByTestId('overview').waitFor();
  await page.getByTestId('tile-vms').filter({ hasText: total.toLocaleString('en-US') }).waitFor();
  await shot(page, 'overview', { fullPage: true });
});

test('filters live in the URL and survive a reload', async () => {
  await page.goto(`${env.url}/vms`);
  await page.getByTestId('vm-row').first().waitFor();
  await page.getByLabel('Provider', { exact: true }).selectOption('lxd');
  await page.waitForURL((u) => u.searchParams.get('provider') === 'lxd');
  await until('three LXD containers', async () => (await page.getByTestId('vm-row').count()) === 3);
  await page.getByLabel('Search VMs').fill('app-1');
  await page.waitForURL((u) => u.searchParams.get('q') === 'app-1');
  await until('one row', async () => (await page.getByTestId('vm-row').count()) === 1);
  await page.reload();
  await vmRow(page, 'app-1').waitFor();
  assert.equal(await page.getByTestId('vm-row').count(), 1);
  assert.equal(await page.getByLabel('Search VMs').inputValue(), 'app-1');
  assert.equal(await page.getByLabel('Provider', { exact: true }).inputValue(), 'lxd');
  mark('filters in the URL');
});

test('stop a container and watch its state change without reloading', async () => {
  await page.goto(`${env.url}/vms?provider=lxd`);
  const row = vmRow(page, 'app-1');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'running');
  await page.getByRole('button', { name: 'Actions for app-1' }).click();
  await page.getByRole('menuitem', { name: 'Stop' }).click();
  await page.getByRole('button', { name: 'Stop VM' }).click();
  await until('app-1 stopped', async () => (await row.getAttribute('data-state')) === 'stopped', { timeout: 30_000 });
  assert.match(await row.getByTestId('vm-state').textContent(), /stopped/i);
  mark('app-1 stopped, seen live');
  // And back, through the drawer.
  await row.getByRole('button', { name: 'app-1', exact: true }).click();
  const drawer = page.getByTestId('vm-drawer');
  await drawer.waitFor();
  await page.waitForURL((u) => u.searchParams.has('vm'));
  await drawer.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('button', { name: 'Start VM' }).click();
  await until('app-1 running', async () => (await row.getAttribute('data-state')) === 'running', { timeout: 30_000 });
  await shot(page, 'vm-drawer');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
  mark('app-1 started from the drawer');
});

test('enroll a container from its row and see it matched to its node', async () => {
  await page.goto(`${env.url}/vms?provider=lxd`);
  const row = vmRow(page, 'enrollee');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-enrollment'), 'not-enrolled');
  await page.getByRole('button', { name: 'Actions for enrollee' }).click();
  await page.getByRole('menuitem', { name: /^Enroll/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const user = dialog.getByLabel('User', { exact: true });
  if ((await user.count()) > 0) {
    if ((await user.evaluate((el) => el.tagName)) === 'SELECT') await user.selectOption('alice');
    else await user.fill('alice');
  }
  await dialog.getByRole('button', { name: /^Enroll/ }).click();
  await dialog.getByText(/Installed in the guest/).waitFor({ timeout: 30_000 });
  await shot(page, 'vm-enroll');
  mark('install ran in the container');
  console.log('@@join');
  const res = await until('tailscaled joined', async () => {
    const s = joinResult ? await readFile(joinResult, 'utf8').catch(() => '') : '';
    return s || false;
  }, { timeout: 90_000 });
  assert.equal(res, 'ok', `tailscale up with the installed key: ${res}`);
  await dialog.getByTestId('enroll-connected').waitFor({ timeout: 30_000 });
  mark('enroll dialog shows connected');
  await shot(page, 'vm-enroll-connected');
  await dialog.getByRole('button', { name: /Close|Done/ }).first().click();
  await until('row shows enrolled', async () => (await row.getAttribute('data-enrollment')) === 'enrolled-online', { timeout: 20_000 });

  // The node shows the VM it runs on.
  const vm = await vmKey(page, 'enrollee');
  assert.ok(vm.nodeName, 'the VM is matched to a node');
  await page.goto(`${env.url}/machines?q=${encodeURIComponent(vm.nodeName)}`);
  await page.locator('.vrow').filter({ hasText: 'enrollee' }).filter({ hasText: /lxd|lab/ }).first().waitFor();
  await shot(page, 'machines-with-vms');
  mark('machine shows its VM');
});

test('a failing cloud shows its error and stale marker; the rest stays usable', async () => {
  console.log('@@fail aws on');
  try {
    await page.goto(`${env.url}/clouds`);
    const c1 = card(page, 'sim-aws');
    await until('aws card stale', async () => ['stale', 'error'].includes(await c1.getAttribute('data-status')), { timeout: 30_000 });
    await c1.getByTestId('cloud-error').waitFor();
    assert.ok((await c1.getByTestId('cloud-error').textContent()).length > 10);
    await shot(page, 'clouds-failing', { fullPage: true });
    mark('aws card shows its error');

    await page.goto(`${env.url}/vms`);
    await page.getByTestId('stale-banner').filter({ hasText: 'sim-aws' }).waitFor();
    // The rest works: filter to GCP and get rows.
    await page.getByLabel('Provider', { exact: true }).selectOption('gcp');
    await page.waitForURL((u) => u.searchParams.get('provider') === 'gcp');
    await page.getByTestId('vm-row').first().waitFor();
    await page.getByLabel('Provider', { exact: true }).selectOption('aws');
    await page.getByTestId('vm-row').first().waitFor();
    await shot(page, 'vms-stale');
    mark('stale banner, other clouds fine');
  } finally {
    console.log('@@fail aws off');
  }
  const c1 = card(page, 'sim-aws');
  await page.goto(`${env.url}/clouds`);
  await until('aws recovers', async () => (await c1.getAttribute('data-status')) === 'ok', { timeout: 30_000 });
});

test('grid mode, one cloud, Proxmox clusters', async () => {
  await page.goto(`${env.url}/vms?provider=proxmox`);
  await page.getByRole('button', { name: 'Grid' }).click();
  await page.waitForURL((u) => u.searchParams.get('view') === 'grid');
  await page.getByTestId('vm-row').first().waitFor();
  await shot(page, 'vms-grid');
  const pve = clouds.find((c) => c.kind === 'proxmox');
  const list = (await api(page, '/api/v1/clouds')).body.clouds;
  const id = list.find((c) => c.name === pve.name).id;
  await page.goto(`${env.url}/clouds/${id}/vms`);
  await page.getByTestId('vm-row').first().waitFor();
  await page.goto(`${env.url}/proxmox`);
  await page.getByTestId('proxmox-clusters').waitFor();
  await page.getByTestId('cluster-health').first().waitFor();
  // One node opened down to its guests.
  await page.getByTestId('pve-node').first().getByRole('button').first().click();
  await page.getByTestId('pve-guest').first().waitFor();
  await shot(page, 'proxmox-clusters');
  mark('grid, per-cloud list and clusters');
});

test('a viewer sees no power button', async () => {
  const b = await launch();
  try {
    const v = await b.context.newPage();
    const verrors = watch(v, 'viewer');
    await signIn(v, env.viewer);
    await v.goto(`${env.url}/vms?provider=lxd`);
    await vmRow(v, 'app-1').waitFor();
    const mutating = /^(Start|Stop|Reboot|Enroll|Add cloud|Sync now|Remove|Edit)/;
    const names = async () => v.getByRole('button').evaluateAll((bs) => bs.map((b) => (b.getAttribute('aria-label') || b.textContent || '').trim()));
    let bad = (await names()).filter((n) => mutating.test(n) || n.startsWith('Actions for'));
    assert.deepEqual(bad, [], 'the VM list offers a viewer no action');
    await vmRow(v, 'app-1').getByRole('button', { name: 'app-1', exact: true }).click();
    await v.getByTestId('vm-drawer').waitFor();
    bad = (await names()).filter((n) => mutating.test(n));
    assert.deepEqual(bad, [], 'the drawer offers a viewer no action');
    await shot(v, 'vms-viewer');
    await v.goto(`${env.url}/clouds`);
    await v.getByTestId('cloud-card').first().waitFor();
    bad = (await names()).filter((n) => mutating.test(n) || n.startsWith('Actions for'));
    assert.deepEqual(bad, [], 'the clouds page offers a viewer no action');
    assert.deepEqual(verrors, []);
  } finally {
    await b.close();
  }
  assert.deepEqual(errors, [], 'no page error in the admin tab');
});
