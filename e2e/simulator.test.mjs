// The public simulator page in a real browser: Debian's headless Chromium, driven by
// playwright-core (which never downloads a browser of its own). Starts the release binary
// on a free local port, fills the form as crates/web/tests/http.rs does, checks the score,
// the planner's date and the chart, saves a screenshot, then switches to English.
//
//   cd e2e && npm ci && node --test
//   (env: JIFEN_BIN, default ../target/release/jifen from here; CHROMIUM, default /usr/bin/chromium)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const jifenBin = process.env.JIFEN_BIN ? resolve(process.env.JIFEN_BIN) : resolve(here, '../target/release/jifen');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshots = join(here, 'screenshots');

// Without the background-networking flags Chromium keeps dialling Google's hosts, which
// this closed network refuses.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A port nobody listens on right now (the kernel's choice, released at once). */
function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Starts `jifen serve` and waits until /healthz answers; throws if it exits or hangs. */
async function startServer(workDir) {
  const port = await freePort();
  // Whatever the server keeps on disk (its embedded database) goes to a throwaway
  // directory: set by env, which a binary without that setting ignores, and as its cwd.
  const env = { ...process.env, JIFEN_DATA_DIR: join(workDir, 'data') };
  delete env.JIFEN_DATABASE_URL;
  const child = spawn(jifenBin, ['serve', '--addr', `127.0.0.1:${port}`], {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  const spawnError = new Promise((_, fail) => child.once('error', fail));
  spawnError.catch(() => {});

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    await Promise.race([sleep(100), spawnError]);
    if (exited) {
      throw new Error(`jifen serve exited (${JSON.stringify(exited)}) before answering:\n${output}`);
    }
    try {
      const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return { child, base };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`jifen serve did not answer /healthz within 20 s:\n${output}`);
    }
  }
}

/** SIGTERM (graceful), then SIGKILL if it lingers. */
async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

describe('the public simulator page in headless Chromium', () => {
  let server;
  let context;
  let page;
  let userDataDir;
  let serverDir;

  // If the run dies some other way, don't leave the server behind.
  const killOnExit = () => server?.child.kill('SIGKILL');
  process.once('exit', killOnExit);

  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    serverDir = mkdtempSync(join(tmpdir(), 'jifen-e2e-server-'));
    server = await startServer(serverDir);
    userDataDir = mkdtempSync(join(tmpdir(), 'jifen-e2e-chromium-'));
    // A persistent context is the way to hand Chromium its own (fresh, empty) profile dir.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      // A reader in China: Accept-Language zh-CN. The page is Chinese by default anyway;
      // this keeps the machine's own locale (often en-US) from choosing English. (Chromium's
      // own date and month pickers stay in its UI language, en-US in Debian's package
      // without chromium-l10n.)
      locale: 'zh-CN',
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    try {
      await context?.close();
    } finally {
      await stopServer(server?.child);
      process.removeListener('exit', killOnExit);
      for (const dir of [userDataDir, serverDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the page opens in Chinese', async () => {
    const response = await page.goto(`${server.base}/`);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    const heading = await page.locator('h1').innerText();
    assert.match(heading, /上海市居住证积分/);
  });

  test('the form scores and plans: 111 points, reaches 120 on 2027-03-01', async () => {
    // <input type=date> and type=month take ISO text through fill().
    await page.locator('input[name=as_of]').fill('2025-06-30');
    await page.locator('input[name=birth_date]').fill('1991-09-09');
    await page.locator('select[name=edu_level]').selectOption('associate');
    await page.locator('input[name=si_from_0]').fill('2024-07');
    await page.locator('input[name=si_to_0]').fill('2025-06');
    await page.locator('input[name=si_base_0]').fill('7000');
    await page.locator('input[name=spouse_hukou]').check();
    await page.locator('input[name=spouse_married_on]').fill('2018-03-01');
    await page.locator('input[name=deadline]').fill('2026-09-01');

    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/'),
      page.locator('button[type=submit]').click(),
    ]);
    await page.waitForLoadState('load');
    // With script the page recalculates in place as fields change; wait until the result of
    // the complete form (the one with the deadline plan) is shown, then check it.
    await page.waitForFunction(
      () => document.querySelector('#total')?.textContent.trim() === '111' && document.querySelector('#reaches-on'),
      null,
      { timeout: 10000 },
    ).catch(() => {});

    assert.equal(await page.locator('[role=alert]').count(), 0, 'no error box');
    assert.equal((await page.locator('#total').innerText()).trim(), '111');
    assert.equal((await page.locator('#reaches-on').innerText()).trim(), '2027-03-01');
    const chart = page.locator('.chart svg');
    await chart.waitFor({ state: 'visible' });
    assert.ok(await chart.isVisible(), 'the chart is visible');
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `the chart has a size: ${JSON.stringify(box)}`);
    // The form keeps what was typed.
    assert.equal(await page.locator('input[name=birth_date]').inputValue(), '1991-09-09');
    assert.ok(await page.locator('input[name=spouse_hukou]').isChecked());

    await page.screenshot({ path: join(screenshots, 'simulator-zh.png'), fullPage: true });
  });

  test('the English link switches the page, and a cookie keeps it on reload', async () => {
    await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.getByRole('link', { name: 'English' }).click()]);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.locator('h1').innerText(), /Shanghai residence-permit points/);

    const cookies = await context.cookies(server.base);
    assert.ok(
      cookies.some((c) => c.name === 'jifen_lang' && c.value === 'en'),
      `the language cookie is set: ${JSON.stringify(cookies)}`,
    );

    // A plain "/" (no ?lang=) with Accept-Language zh-CN: the cookie wins.
    await page.goto(`${server.base}/`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.locator('h1').innerText(), /Shanghai residence-permit points/);
    await page.screenshot({ path: join(screenshots, 'simulator-en.png'), fullPage: true });
  });
});
