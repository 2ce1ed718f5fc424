// First-run setup in the browser: a console with no account at all offers
// the setup form on the sign-in page; the setup token comes from its log.
// Run by internal/e2e/browser_test.go, which starts that console.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launch, shot, watch } from './lib.mjs';

const url = process.env.SETUP_URL;
const token = process.env.SETUP_TOKEN;

test('first-run setup creates the first admin and signs in', { skip: !url && 'SETUP_URL is not set' }, async () => {
  const b = await launch();
  try {
    const page = await b.context.newPage();
    const errors = watch(page, 'setup');
    await page.goto(`${url}/machines`);
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    await shot(page, 'first-run-setup');
    await page.getByLabel('Setup token', { exact: true }).fill('0'.repeat(32));
    await page.getByLabel('Username', { exact: true }).fill('root');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Repeat the password', { exact: true }).fill('a long enough password');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByText('This setup token is not valid').waitFor();
    await page.getByLabel('Setup token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/machines');
    await page.getByTestId('account').filter({ hasText: 'root' }).waitFor();
    assert.match(await page.getByTestId('account').textContent(), /admin/);
    // Setup is over: the sign-in page is a plain sign-in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
});
