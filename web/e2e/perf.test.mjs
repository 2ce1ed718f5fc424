// Performance of the Machines page with 10,000 nodes: the real built app and
// the real console (sign-in, session, events), with GET /api/v1/nodes answered
// by a generated list of 10,000 nodes in the API's JSON shape. Measures the
// first meaningful render (navigation start to rows and count on screen) and
// filter keystroke to updated rows, and the JavaScript size gzipped. Writes
// the figures to PERF_OUT (JSON) when set.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { env, launch, signIn, timeKeystroke, watch } from './lib.mjs';

const N = 10_000;
const FMR_BUDGET_MS = 1500;
const FILTER_BUDGET_MS = 150;

/** fakeNodes makes n nodes shaped like GET /api/v1/nodes answers. */
export function fakeNodes(n) {
  const users = ['default', 'alice', 'bob', 'carol', 'ops', 'ci'];
  const tags = ['tag:web', 'tag:db', 'tag:k8s', 'tag:edge'];
  const now = Date.now();
  const out = [];
  for (let i = 1; i <= n; i++) {
    const tagged = i % 7 === 0;
    const expiry = i % 11 === 0 ? new Date(now - 86400_000).toISOString() : i % 5 === 0 ? undefined : new Date(now + (i % 180) * 86400_000).toISOString();
    const node = {
      id: i,
      name: `node-${String(i).padStart(5, '0')}`,
      hostname: `host-${i}`,
      user: tagged ? 'tagged-devices' : users[i % users.length],
      userId: (i % users.length) + 1,
      ipAddresses: [`100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`, `fd7a:115c:a1e0::${i.toString(16)}`],
      online: i % 3 !== 0,
      lastSeen: new Date(now - (i % 1000) * 60_000).toISOString(),
      createdAt: new Date(now - i * 3600_000).toISOString(),
      tags: tagged ? [tags[i % tags.length]] : [],
      approvedRoutes: i % 50 === 0 ? ['10.0.0.0/24'] : [],
      availableRoutes: i % 50 === 0 ? ['10.0.0.0/24', '0.0.0.0/0', '::/0'] : [],
      subnetRoutes: i % 50 === 0 ? ['10.0.0.0/24'] : [],
      registerMethod: 'authkey',
      machineKey: `mkey:${i.toString(16).padStart(64, '0')}`,
      nodeKey: `nodekey:${i.toString(16).padStart(64, '0')}`,
      expired: i % 11 === 0,
      exitNode: false,
      os: 'unknown',
    };
    if (expiry) node.expiry = expiry;
    if (i % 2 === 0) node.preAuthKeyId = i;
    out.push(node);
  }
  return out;
}

let browser;
let page;
let body;

before(async () => {
  body = JSON.stringify({ nodes: fakeNodes(N), total: N, fetchedAt: new Date().toISOString() });
  browser = await launch({ viewport: { width: 1280, height: 800 } });
  page = await browser.context.newPage();
  watch(page, 'perf');
  await signIn(page, env.admin);
  await page.route('**/api/v1/nodes*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
  // Record when the first rows and the count of 10,000 are on screen.
  await page.addInitScript(() => {
    const check = () => {
      if (window.__fmr) return;
      const sub = document.querySelector('.page-head .sub');
      if (document.querySelector('.vrow') && sub && sub.textContent.includes('10,000')) {
        requestAnimationFrame(() => (window.__fmr = performance.now()));
      }
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
  });
});

after(async () => {
  await browser?.close();
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('Machines with 10,000 nodes: first meaningful render, filter latency, JS size', async () => {
  const fmrs = [];
  for (let run = 0; run < 3; run++) {
    await page.goto(`${env.url}/machines`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__fmr, null, { timeout: 30_000 });
    fmrs.push(await page.evaluate(() => window.__fmr));
  }
  const rendered = await page.$$eval('.vrow', (rs) => rs.length);
  assert.ok(rendered < 80, `only visible rows are rendered (${rendered})`);

  // Keystrokes: time from the input event to the rows (and count) updated on screen.
  const search = page.getByLabel('Search machines');
  await search.click();
  const latencies = [];
  for (const q of ['node-0', 'node-01', 'node-012', 'node-0123', 'host-99', '100.64.3', 'a1e0::ff']) {
    await search.fill('');
    await page.waitForFunction(() => document.querySelector('.page-head .sub')?.textContent.includes('10,000 machines,'));
    await search.fill(q.slice(0, -1));
    await page.waitForTimeout(250);
    const k = await timeKeystroke(page, 'machine-search', q.slice(-1));
    assert.ok(k, `typing the last letter of ${q} changed the count`);
    const { ms, before, after: afterText } = k;
    assert.notEqual(afterText, before);
    latencies.push({ q, ms: Math.round(ms), shown: afterText });
  }

  const here = path.dirname(fileURLToPath(import.meta.url));
  const assets = path.resolve(here, '../dist/assets');
  let jsGz = 0;
  let jsRaw = 0;
  for (const f of await readdir(assets)) {
    if (!f.endsWith('.js')) continue;
    const b = await readFile(path.join(assets, f));
    jsRaw += b.length;
    jsGz += gzipSync(b, { level: 9 }).length;
  }

  const result = {
    nodes: N,
    firstMeaningfulRenderMs: fmrs.map(Math.round),
    firstMeaningfulRenderMedianMs: Math.round(median(fmrs)),
    filterKeystrokeMs: latencies,
    filterKeystrokeMedianMs: median(latencies.map((l) => l.ms)),
    filterKeystrokeMaxMs: Math.max(...latencies.map((l) => l.ms)),
    renderedRows: rendered,
    jsBytes: jsRaw,
    jsGzipBytes: jsGz,
    userAgent: await page.evaluate(() => navigator.userAgent),
  };
  console.log(`perf: ${JSON.stringify(result)}`);
  if (process.env.PERF_OUT) await writeFile(process.env.PERF_OUT, JSON.stringify(result, null, 2));

  // Timings are reported against their budgets, not asserted: a test on a
  // shared 2-core machine must not fail because another job ran beside it.
  // docs/benchmarks.md records the figures.
  const verdict = (v, b) => (v <= b ? 'within' : 'OVER');
  console.log(`perf: first meaningful render ${result.firstMeaningfulRenderMedianMs} ms (${verdict(result.firstMeaningfulRenderMedianMs, FMR_BUDGET_MS)} ${FMR_BUDGET_MS} ms); ` +
    `filter keystroke median ${result.filterKeystrokeMedianMs} ms (${verdict(result.filterKeystrokeMedianMs, FILTER_BUDGET_MS)} ${FILTER_BUDGET_MS} ms)`);
  assert.ok(jsGz <= 400 * 1024, `JavaScript ${jsGz} bytes gzipped > 400 kB`);
});
