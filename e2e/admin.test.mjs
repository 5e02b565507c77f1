// The administrator's pages in a real browser, on a desktop and a phone: the first
// administrator (made on the command line) adds a district clerk, whose one-time password
// arrives by SMS; the clerk signs in with it; the administrator switches the clerk off and
// the clerk's open page is signed out. Then the administrator publishes a new average-wage
// figure: the preview, the publication, the rescoring run to its end, the history, and the
// public API scoring with it. Screenshots go to screenshots/.
//
//   cd e2e && npm ci && node --test
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { DESKTOP, PHONE, changePassword, cliEnv, jifenBin, newPage, serverAndBrowser, shot, signIn, smsTo } from './harness.mjs';

describe('an administrator runs staff from the browser', () => {
  const run = serverAndBrowser('admin');
  const page = (viewport) => newPage(run.browser, viewport);

  test('add a clerk on a phone, who signs in; switch them off on a desktop', async () => {
    const created = execFileSync(jifenBin, ['admin', 'create-user', '--username', 'root', '--role', 'admin'], {
      cwd: run.dir,
      env: cliEnv(run.server),
      encoding: 'utf8',
    });
    const initial = /initial password: (\S+)/.exec(created)[1];
    const admin = await page(PHONE);
    await signIn(admin, run.server.base, 'root', initial);
    await changePassword(admin, initial, 'admin password 7');
    await Promise.all([admin.waitForURL(/\/admin\/staff$/), admin.getByRole('link', { name: /工作人员/ }).click()]);

    await admin.locator('input[name=username]').fill('clerk-li');
    await admin.locator('input[name=display_name]').fill('李受理');
    await admin.locator('select[name=role]').selectOption('clerk');
    await admin.locator('select[name=district]').selectOption('xuhui');
    await admin.locator('input[name=mobile]').fill('13900000066');
    await Promise.all([admin.waitForURL(/done=created/), admin.getByRole('button', { name: '新增并发送初始密码' }).click()]);
    const list = await admin.locator('main').innerText();
    assert.match(list, /李受理[\s\S]*受理人员[\s\S]*徐汇区[\s\S]*139\*\*\*\*0066[\s\S]*从未/);
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page fits a phone (${overflow}px too wide)`);
    await shot(admin, 'admin-1-staff-phone');

    const sms = await smsTo(run.server.dataDir, '13900000066', /一次性初始密码：([^。]+)。/);
    const clerk = await page(DESKTOP);
    await signIn(clerk, run.server.base, 'clerk-li', sms[1]);
    await changePassword(clerk, sms[1], 'clerk password 8');

    const desktop = await page(DESKTOP);
    await signIn(desktop, run.server.base, 'root', 'admin password 7');
    await desktop.goto(`${run.server.base}/admin/staff`);
    const row = desktop.locator('tr', { hasText: 'clerk-li' });
    await Promise.all([desktop.waitForURL(/done=disable/), row.getByRole('button', { name: '停用' }).click()]);
    assert.match(await desktop.locator('tr', { hasText: 'clerk-li' }).innerText(), /已停用/);
    await shot(desktop, 'admin-2-staff-desktop');

    await clerk.goto(`${run.server.base}/home`);
    assert.match(clerk.url(), /\/login$/, 'a switched-off account is signed out at once');

    // The audit log, searched by an event chosen by its name: each entry says in words what
    // happened, with its stored word beside it, on a desktop and on a phone.
    await desktop.goto(`${run.server.base}/admin/audit`);
    await desktop.locator('select[name=action]').selectOption({ label: '停用工作人员账号' });
    await Promise.all([desktop.waitForURL(/action=staff_disable/), desktop.getByRole('button', { name: '查询' }).click()]);
    const entries = desktop.locator('tbody tr');
    assert.equal(await entries.count(), 1, 'one switch-off');
    assert.match(await entries.first().innerText(), /root[\s\S]*停用工作人员账号[\s\S]*staff_disable/);
    await shot(desktop, 'admin-2b-audit-desktop');
    await admin.goto(`${run.server.base}/admin/audit?action=sign_in`);
    const signIns = await admin.locator('tbody').innerText();
    assert.match(signIns, /登录/);
    assert.doesNotMatch(signIns, /停用工作人员账号/);
    const tooWide = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(tooWide <= 0, `the audit log fits a phone (${tooWide}px too wide)`);
    await shot(admin, 'admin-2c-audit-phone');
  });

  test('publish an average wage on a desktop, follow its rescoring, read the history on a phone', async () => {
    const desktop = await page(DESKTOP);
    await signIn(desktop, run.server.base, 'root', 'admin password 7');
    await Promise.all([desktop.waitForURL(/\/admin\/rules$/), desktop.getByRole('link', { name: /规则数据/ }).click()]);
    const wage = desktop.locator('#wage');
    await wage.locator('input[name=month]').fill('2026-07');
    await wage.locator('input[name=monthly]').fill('12,000');
    await wage.locator('input[name=source_key]').fill('notice-2026');
    await wage.locator('input[name=source_title_zh]').fill('关于公布 2025 年度本市职工平均工资的通知');
    await wage.locator('input[name=source_reference]').fill('沪人社〔2026〕1号');
    await wage.locator('select[name=confidence]').selectOption('high');
    await wage.locator('textarea[name=reason]').fill('2025 年度社平工资公布');
    await Promise.all([desktop.waitForURL(/\/admin\/rules\/preview$/), wage.getByRole('button', { name: '预览变化' }).click()]);
    const preview = await desktop.locator('main').innerText();
    assert.match(preview, /points_reference 2026-07[\s\S]*12000/);
    assert.match(preview, /持证人 0 \/ 0/);
    await shot(desktop, 'admin-3-rules-preview-desktop');
    // Back to the form: what was typed is still there, and previewing again works.
    await Promise.all([desktop.waitForURL(/\/admin\/rules\/edit$/), desktop.getByRole('button', { name: '返回修改' }).click()]);
    assert.equal(await wage.locator('input[name=monthly]').inputValue(), '12,000');
    assert.equal(await wage.locator('textarea[name=reason]').inputValue(), '2025 年度社平工资公布');
    await Promise.all([desktop.waitForURL(/\/admin\/rules\/preview$/), wage.getByRole('button', { name: '预览变化' }).click()]);

    await Promise.all([desktop.waitForURL(/\/admin\/rules\/runs\/1$/), desktop.getByRole('button', { name: '确认发布' }).click()]);
    // The run goes on in the background; its page refreshes itself until it is finished.
    let progress = '';
    for (let tries = 0; tries < 30 && !/已完成/.test(progress); tries += 1) {
      await desktop.waitForTimeout(500);
      progress = await desktop.locator('#progress').innerText().catch(() => '');
    }
    assert.match(progress, /已完成/);
    await shot(desktop, 'admin-4-rescoring-desktop');
    const ruleSets = await (await fetch(`${run.server.base}/api/v1/rule-sets`)).json();
    assert.equal(ruleSets.average_wage.points_reference.entries.at(-1).monthly, 12000, 'the API scores with it');

    const phone = await page(PHONE);
    await signIn(phone, run.server.base, 'root', 'admin password 7');
    await phone.goto(`${run.server.base}/admin/rules`);
    const history = await phone.locator('main').innerText();
    assert.match(history, /现行规则数据：第 1 版/);
    assert.match(history, /积分用社平工资 2026-07 起 12000 元\/月[\s\S]*2025 年度社平工资公布/);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page fits a phone (${overflow}px too wide)`);
    await shot(phone, 'admin-5-rules-phone');
  });
});
