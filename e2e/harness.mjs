// What every browser test here shares: starting `jifen serve` (the release binary) on a
// free port over a throwaway data directory, stopping it, and launching Debian's headless
// Chromium with a fresh profile through playwright-core (which never downloads a browser).
//
// With JIFEN_E2E_POSTGRES_URL (a PostgreSQL server's URL whose user may create databases),
// each server gets a database of its own on it, dropped when the server stops; otherwise
// the embedded SQLite in the data directory. .ci/run walks both.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const jifenBin = process.env.JIFEN_BIN ? resolve(process.env.JIFEN_BIN) : resolve(here, '../target/release/jifen');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling Google's hosts, which
// this closed network refuses.
export const chromiumArgs = [
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
export function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const postgresAdmin = process.env.JIFEN_E2E_POSTGRES_URL;
/** Where screenshots and downloaded PDFs go: screenshots/, or screenshots/postgres/. */
export const screenshots = postgresAdmin ? join(here, 'screenshots', 'postgres') : join(here, 'screenshots');
let databasesMade = 0;
/** Each server's PostgreSQL database, to drop when it stops. */
const databaseOf = new WeakMap();

function psql(url, statement) {
  return execFileSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', url, '-c', statement], { encoding: 'utf8' });
}

/** A new, empty database on the PostgreSQL server; its URL. */
function createPostgresDatabase() {
  databasesMade += 1;
  const name = `jifen_e2e_${process.pid}_${databasesMade}`;
  psql(postgresAdmin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql(postgresAdmin, `CREATE DATABASE ${name}`);
  const url = new URL(postgresAdmin);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** The environment for a `jifen` command on `server`'s data (admin create-user…). */
export function cliEnv(server) {
  const env = { ...process.env, JIFEN_DATA_DIR: server.dataDir };
  delete env.JIFEN_DATABASE_URL;
  if (server.databaseUrl) env.JIFEN_DATABASE_URL = server.databaseUrl;
  return env;
}

/** Runs one SQL statement on `server`'s database, given in each database's dialect: what a
 * test cannot make happen through the product (a year passing). */
export function runSql(server, { sqlite, postgres }) {
  if (server.databaseUrl) {
    psql(server.databaseUrl, postgres);
  } else {
    execFileSync('python3', ['-c', 'import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\ndb.execute(sys.argv[2])\ndb.commit()',
      join(server.dataDir, 'jifen.sqlite'), sqlite]);
  }
}

/** Starts `jifen serve` and waits until /healthz answers; throws if it exits or hangs. */
export async function startServer(workDir) {
  const port = await freePort();
  // Whatever the server keeps on disk (its embedded database) goes to a throwaway
  // directory: set by env, which a binary without that setting ignores, and as its cwd.
  const env = { ...process.env, JIFEN_DATA_DIR: join(workDir, 'data') };
  delete env.JIFEN_DATABASE_URL;
  const database = postgresAdmin ? createPostgresDatabase() : null;
  if (database) env.JIFEN_DATABASE_URL = database.url;
  const child = spawn(jifenBin, ['serve', '--addr', `127.0.0.1:${port}`], {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (database) databaseOf.set(child, database.name);
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
      if (response.ok) {
        // On PostgreSQL nothing may have fallen back to an embedded database.
        if (database) assert.ok(!existsSync(join(env.JIFEN_DATA_DIR, 'jifen.sqlite')), 'the server uses PostgreSQL');
        return { child, base, dataDir: env.JIFEN_DATA_DIR, databaseUrl: database?.url };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`jifen serve did not answer /healthz within 20 s:\n${output}`);
    }
  }
}

/** SIGTERM (graceful), then SIGKILL if it lingers; then its PostgreSQL database is dropped. */
export async function stopServer(child) {
  if (!child) return;
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
  const database = databaseOf.get(child);
  if (database) {
    databaseOf.delete(child);
    psql(postgresAdmin, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}


/** Chromium with a fresh, empty profile, reading Chinese (Accept-Language zh-CN), and its first
 * page, whose faults shot() checks. */
export async function launchBrowser() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'jifen-e2e-chromium-'));
  // A persistent context is the way to hand Chromium its own (fresh, empty) profile dir.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    // A reader in China: Accept-Language zh-CN. The page is Chinese by default anyway;
    // this keeps the machine's own locale (often en-US) from choosing English. (Chromium's
    // own date and month pickers stay in its UI language, en-US in Debian's package
    // without chromium-l10n.)
    locale: 'zh-CN',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  watchFaults(page);
  return { context, page, userDataDir };
}

/** Chromium for tests that need several people at once: one context (cookie jar) each. */
export async function launchChromium() {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/**
 * A server on a throwaway data directory and one Chromium, for the tests of the `describe`
 * that calls this: started in its `before`, closed, stopped and removed in its `after` (and
 * the server killed if node exits first). `server` (startServer's answer), `dir` and
 * `browser` are set once the `before` has run.
 */
export function serverAndBrowser(label) {
  const run = { server: undefined, dir: undefined, browser: undefined };
  const killOnExit = () => run.server?.child.kill('SIGKILL');
  process.once('exit', killOnExit);
  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    run.dir = mkdtempSync(join(tmpdir(), `jifen-e2e-${label}-`));
    run.server = await startServer(run.dir);
    run.browser = await launchChromium();
  });
  after(async () => {
    try {
      await run.browser?.close();
    } finally {
      await stopServer(run.server?.child);
      process.removeListener('exit', killOnExit);
      if (run.dir) rmSync(run.dir, { recursive: true, force: true });
    }
  });
  return run;
}

/** The initial password in the SMS sent to `mobile`, once the outbox worker has sent it. */
export async function initialPasswordFromSms(dataDir, mobile) {
  const found = await smsTo(dataDir, mobile, /初始密码：([^。]+)。/);
  return found[1];
}

/** The first SMS to `mobile` whose text matches `pattern` (the default sender writes
 * sms.log), waiting up to 20 s for the outbox worker; the match. */
export async function smsTo(dataDir, mobile, pattern) {
  const log = join(dataDir, 'sms.log');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (existsSync(log)) {
      for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
        const sms = JSON.parse(line);
        const found = pattern.exec(sms.body);
        if (sms.to === mobile && found) return found;
      }
    }
    await sleep(200);
  }
  throw new Error(`no SMS matching ${pattern} reached ${mobile}`);
}

/** Signs in on the sign-in page and waits for where it leads. */
export async function signIn(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await Promise.all([page.waitForNavigation(), page.locator('form[action="/login"] button').click()]);
}

/** The forced change of an initial password, ending on the home page. */
export async function changePassword(page, current, next) {
  assert.match(page.url(), /\/account\/password$/, 'the first sign-in asks for a new password');
  await page.locator('input[name=current]').fill(current);
  await page.locator('input[name=new]').fill(next);
  await page.locator('input[name=confirm]').fill(next);
  await Promise.all([page.waitForURL(/\/home$/), page.locator('form[action="/account/password"] button').click()]);
}

/** The screen sizes the issues were found on. */
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A full-page screenshot of `page` as screenshots/NAME.png, once the page holds what every
 * page must at any width: nothing wider than the window; and at a desk (1000 px and more)
 * no table that scrolls sideways to show a column (on a phone a wide table may, by design).
 */
export async function shot(page, name, options = {}) {
  const { width } = page.viewportSize();
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    scrolling: [...document.querySelectorAll('.scroll')]
      .filter((box) => box.scrollWidth > box.clientWidth + 1)
      .map((box) => box.querySelector('table')?.id || box.textContent.trim().slice(0, 40)),
  }));
  assert.ok(layout.overflow <= 0, `${name}: the page is ${layout.overflow}px wider than the window`);
  if (width >= 1000) assert.deepEqual(layout.scrolling, [], `${name}: a table scrolls sideways at ${width}px`);
  // A table may scroll sideways on a phone, but what a person acts with stays in view.
  const controls = 'main button, main input:not([type=hidden]), main select, main textarea';
  assert.deepEqual(await pastTheRightEdge(page, controls), [], `${name}: controls past the right edge at ${width}px`);
  assert.deepEqual(faultsOf.get(page) ?? [], [], `${name}: what the page loaded failed`);
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true, ...options });
}

/** A fresh context (cookie jar) of `browser` reading Chinese, at `viewport`, and its page. */
export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport, acceptDownloads: true, isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  watchFaults(page);
  return page;
}

/** What went wrong on a page besides its own answer: script errors, and anything it loaded
 * (a stylesheet, a script, the tab's icon) that failed. A test may ask for a 403 or a 404 page
 * on purpose; what that page needs must still load. shot() asserts there is none. */
const faultsOf = new WeakMap();
function watchFaults(page) {
  const faults = [];
  faultsOf.set(page, faults);
  page.on('pageerror', (error) => faults.push(`script: ${error.message}`));
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'document' && response.status() >= 400) {
      faults.push(`${response.status()} ${new URL(response.url()).pathname}`);
    }
  });
  page.on('requestfailed', (request) => {
    if (request.resourceType() !== 'document') faults.push(`failed ${new URL(request.url()).pathname}`);
  });
  // The browser's own requests (the tab's icon) show only as a console error.
  page.on('console', (message) => {
    const { url } = message.location();
    if (message.type() === 'error' && /^Failed to load resource/.test(message.text()) && url && url !== page.url()) {
      faults.push(`${message.text().replace(/^.*status of /, '')} ${new URL(url).pathname}`);
    }
  });
}

/**
 * What of `selector` reaches past the right edge of the window (its text, or the start of its
 * markup): a control a person would have to scroll sideways to find. Empty when all is in view.
 */
async function pastTheRightEdge(page, selector) {
  return page.$$eval(selector, (elements) =>
    elements
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((element) => element.textContent.trim() || element.outerHTML.slice(0, 80)),
  );
}

/** Where `locator` is on the screen (its top, in CSS pixels from the top of the viewport). */
export async function screenTop(locator) {
  return locator.evaluate((element) => element.getBoundingClientRect().top);
}

/** Every visible table cell narrower than `characters` characters of its own font: each
 * as "table#: text (width px)". */
export async function narrowCells(page, characters = 2) {
  return page.evaluate((characters) => {
    const found = [];
    document.querySelectorAll('table').forEach((table, index) => {
      for (const cell of table.querySelectorAll('th, td')) {
        const box = cell.getBoundingClientRect();
        if (box.width === 0 || !cell.textContent.trim()) continue;
        const style = getComputedStyle(cell);
        const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        const fontSize = parseFloat(style.fontSize);
        if (box.width - padding < characters * fontSize - 0.5) {
          found.push(`table ${index}: ${cell.textContent.trim().slice(0, 20)} (${Math.round(box.width - padding)} px)`);
        }
      }
    });
    return found;
  }, characters);
}

/** A scan as the application page takes it: a small PDF named `name`. */
export const scan = (name) => ({ name, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4 scan: ${name}`) });

/** Chooses a scan for `material` on an application's page and presses its upload button;
 * waits for the page it leads back to. */
export async function uploadMaterial(page, material, name) {
  const input = page.locator(`input[type=file][name=file_${material}]`);
  await input.setInputFiles(scan(name));
  const row = page.locator('#materials tr', { has: input });
  await Promise.all([page.waitForURL(/done=(uploaded|added)/), row.getByRole('button', { name: /上传|替换|Upload|Replace/ }).click()]);
}
