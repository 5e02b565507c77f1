// The public simulator page in a real browser: Debian's headless Chromium, driven by
// playwright-core. Starts the release binary on a free local port, fills the form as
// crates/web/tests/http.rs does, checks the score, the planner's date and the chart, saves
// a screenshot, then switches to English.
//
//   cd e2e && npm ci && node --test
//   (env: JIFEN_BIN, default ../target/release/jifen from here; CHROMIUM, default /usr/bin/chromium)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PHONE, launchBrowser, narrowCells, newPage, screenTop, screenshots, serverAndBrowser, shot, startServer, stopServer } from './harness.mjs';

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
    ({ context, page, userDataDir } = await launchBrowser());
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
      page.locator('.submit-bar button[type=submit]').first().click(),
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

    await shot(page, 'simulator-zh');
  });

  test('the English link switches the page, and a cookie keeps it on reload', async () => {
    await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.getByRole('button', { name: 'English' }).click()]);
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
    await shot(page, 'simulator-en');
  });
});

/** Fills the simulator's form with the profile of the first test (111 points). */
async function fillProfile(page) {
  await page.locator('input[name=as_of]').fill('2025-06-30');
  await page.locator('input[name=birth_date]').fill('1991-09-09');
  await page.locator('select[name=edu_level]').selectOption('associate');
  await page.locator('input[name=si_from_0]').fill('2024-07');
  await page.locator('input[name=si_to_0]').fill('2025-06');
  await page.locator('input[name=si_base_0]').fill('7000');
  await page.locator('input[name=spouse_hukou]').check();
  await page.locator('input[name=spouse_married_on]').fill('2018-03-01');
}

const totalIs = (page, total) =>
  page.waitForFunction((total) => document.querySelector('#total')?.textContent.trim() === String(total), total, { timeout: 10_000 });

describe('the simulator as people used it (issue #11): on a desktop and on a phone', () => {
  const run = serverAndBrowser('sim');

  for (const [device, viewport] of [['desktop', undefined], ['phone', PHONE]]) {
    test(`${device}: the field being typed in stays put while the result updates`, async () => {
      const page = await newPage(run.browser, viewport);
      await page.goto(`${run.server.base}/`);
      await fillProfile(page);
      await totalIs(page, 111);
      const base = page.locator('input[name=si_base_0]');
      await base.scrollIntoViewIfNeeded();
      await base.click();
      const before = await screenTop(base);
      // Typing changes the result (a higher base, more points later): the field must not move.
      await base.fill('');
      await base.type('15000', { delay: 30 });
      await page.waitForFunction(() => /2026|2027|2028/.test(document.querySelector('#reaches-on')?.textContent ?? ''), null, { timeout: 10_000 });
      await page.waitForTimeout(300);
      const after = await screenTop(base);
      assert.ok(Math.abs(after - before) < 2, `the field moved from ${before} to ${after} px`);
      assert.equal(await page.evaluate(() => document.activeElement?.name), 'si_base_0', 'the field keeps the focus');
      await shot(page, `simulator-typing-${device}`, { fullPage: false });

      // Pressing the button brings the result into view.
      await page.locator('.submit-bar button[type=submit]').first().click();
      await page.waitForTimeout(800);
      const results = await page.locator('#results').evaluate((element) => {
        const box = element.getBoundingClientRect();
        return { top: box.top, bottom: box.bottom, height: window.innerHeight };
      });
      assert.ok(results.top < results.height && results.bottom > 0, `the result is in view: ${JSON.stringify(results)}`);
      await shot(page, `simulator-result-${device}`, { fullPage: false });
      await page.context().close();
    });
  }

  test('switching language keeps what was typed, and the result', async () => {
    const page = await newPage(run.browser);
    await page.goto(`${run.server.base}/`);
    await fillProfile(page);
    await totalIs(page, 111);
    await Promise.all([page.waitForURL(/[?&]lang=en\b/), page.getByRole('button', { name: 'English' }).click()]);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('input[name=birth_date]').inputValue(), '1991-09-09');
    assert.equal(await page.locator('input[name=si_base_0]').inputValue(), '7000');
    assert.ok(await page.locator('input[name=spouse_hukou]').isChecked());
    assert.equal((await page.locator('#total').innerText()).trim(), '111');
    assert.match(await page.locator('#results').innerText(), /Points/);
    // And back, still with everything.
    await Promise.all([page.waitForURL(/[?&]lang=zh\b/), page.getByRole('button', { name: '中文' }).click()]);
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    assert.equal(await page.locator('input[name=si_to_0]').inputValue(), '2025-06');
    await page.context().close();
  });

  test('every wrong field is named beside it, in plain words, all at once', async () => {
    const page = await newPage(run.browser);
    await page.goto(`${run.server.base}/`);
    await page.locator('input[name=birth_date]').fill('1991-09-09');
    await page.locator('input[name=si_from_0]').fill('2024-07');
    await page.locator('input[name=si_base_0]').fill('-5');
    await page.locator('input[name=tax]').fill('很多');
    await page.locator('.submit-bar button[type=submit]').first().click();
    await page.waitForSelector('#si_base_0-error');
    assert.match(await page.locator('#si_base_0-error').innerText(), /不能为负数/);
    assert.match(await page.locator('#tax-error').innerText(), /应为数字/);
    assert.equal(await page.locator('input[name=si_base_0]').getAttribute('aria-invalid'), 'true');
    const alert = await page.locator('#results [role=alert]').innerText();
    assert.doesNotMatch(alert, /invalid type|u64|social_insurance/);
    await shot(page, 'simulator-problems-zh', { fullPage: false });
    // "15,000元" reads as 15 000: the problem goes away.
    await page.locator('input[name=si_base_0]').fill('15,000元');
    await page.locator('input[name=tax]').fill('');
    await page.locator('.submit-bar button[type=submit]').first().click();
    await page.waitForSelector('#total');
    assert.equal(await page.locator('.field-error').count(), 0);
    await page.context().close();
  });

  test('phone: tables keep readable columns and the chart readable labels', async () => {
    const page = await newPage(run.browser, PHONE);
    await page.goto(`${run.server.base}/`);
    await fillProfile(page);
    await page.locator('input[name=deadline]').fill('2026-09-01');
    await totalIs(page, 111);
    await page.waitForSelector('.chart svg');
    const narrow = await narrowCells(page, 2);
    assert.deepEqual(narrow, [], 'no table column narrower than two characters');
    // Each item, change and action is a card as wide as the screen: nothing to scroll sideways.
    const sideways = await page.locator('.results-pane .scroll').evaluateAll((boxes) =>
      boxes.filter((box) => box.scrollWidth > box.clientWidth + 1).map((box) => box.textContent.slice(0, 40)));
    assert.deepEqual(sideways, [], 'no table of the result scrolls sideways on a phone');
    const chartWidth = await page.locator('.chart svg').evaluate((svg) => svg.getBoundingClientRect().width);
    assert.ok(chartWidth >= 700, `the chart keeps a readable scale: ${chartWidth} px wide`);
    await shot(page, 'simulator-phone');
    await page.context().close();
  });
});
