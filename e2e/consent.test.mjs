// What strangers cannot do, in a real browser: a second employer that types a person's ID
// number with a made-up name and mobile only asks; the person, on a phone-sized screen,
// accepts in their own account, and only then does the employer see them. Also: a sign-up
// that names its problems beside their fields, and a username shaped like an ID number.
// Screenshots go to screenshots/.
//
//   cd e2e && npm ci && node --test
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  DESKTOP,
  PHONE,
  changePassword,
  cliEnv,
  initialPasswordFromSms,
  jifenBin,
  newPage,
  serverAndBrowser,
  shot,
  signIn,
  smsTo,
} from './harness.mjs';

const PERSON = { name: '李真名', id: '11010519491231002X', mobile: '13900000018' };

describe('an employer sees a person only with their consent', () => {
  const run = serverAndBrowser('consent');
  const page = (viewport) => newPage(run.browser, viewport);

  async function signUp(hr, { code, username, name }) {
    await hr.goto(`${run.server.base}/employers/register`);
    await hr.locator('input[name=name]').fill(name);
    await hr.locator('input[name=credit_code]').fill(code);
    await hr.locator('select[name=district]').selectOption('pudong');
    await hr.locator('input[name=contact_name]').fill('经办人');
    await hr.locator('input[name=contact_phone]').fill('13800000000');
    await hr.locator('input[name=username]').fill(username);
    await hr.locator('input[name=password]').fill('agent password 1');
    await Promise.all([hr.waitForNavigation(), hr.locator('form[action="/employers/register"] button').click()]);
  }

  test('a sign-up names each problem beside its field and refuses an ID number as username', async () => {
    const hr = await page(PHONE);
    await signUp(hr, { code: '91350100M000100Y44', username: PERSON.id, name: '上海示例科技有限公司' });
    const text = await hr.locator('main').innerText();
    assert.match(text, /统一社会信用代码/);
    assert.match(text, /不能是身份证号码/);
    assert.equal(await hr.locator('input[name=username]').getAttribute('aria-invalid'), 'true');
    await shot(hr, 'consent-1-sign-up-problems-phone');
  });

  test('the second employer only asks, and the person decides on a phone', async () => {
    const hrA = await page();
    const hrB = await page();
    await signUp(hrA, { code: '91350100M000100Y43', username: 'hr-a', name: '甲公司' });
    assert.match(await hrA.locator('.notice').innerText(), /审核通过后/);
    await signUp(hrB, { code: '91110000802100433B', username: 'hr-b', name: '乙公司' });

    const created = execFileSync(jifenBin, ['admin', 'create-user', '--username', 'clerk', '--role', 'clerk', '--district', 'pudong'], {
      cwd: run.dir,
      env: cliEnv(run.server),
      encoding: 'utf8',
    });
    const initial = /initial password: (\S+)/.exec(created)[1];
    const clerk = await page();
    await signIn(clerk, run.server.base, 'clerk', initial);
    await changePassword(clerk, initial, 'clerk password 2');
    for (let i = 0; i < 2; i += 1) {
      await Promise.all([clerk.waitForNavigation(), clerk.locator('button[name=decision][value=verify]').first().click()]);
    }

    // Employer A opens the person's account.
    await signIn(hrA, run.server.base, 'hr-a', 'agent password 1');
    await hrA.goto(`${run.server.base}/applicants`);
    await hrA.locator('input[name=name]').fill(PERSON.name);
    await hrA.locator('input[name=id_number]').fill(PERSON.id);
    await hrA.locator('input[name=mobile]').fill(PERSON.mobile);
    await Promise.all([hrA.waitForURL(/done=created/), hrA.locator('form[action="/applicants"] button').click()]);

    // Employer B types the same ID number with a made-up name and mobile.
    await signIn(hrB, run.server.base, 'hr-b', 'agent password 1');
    await hrB.goto(`${run.server.base}/applicants`);
    await hrB.locator('input[name=name]').fill('编造的名字');
    await hrB.locator('input[name=id_number]').fill(PERSON.id.toLowerCase());
    await hrB.locator('input[name=mobile]').fill('13700000000');
    await Promise.all([hrB.waitForURL(/done=linked/), hrB.locator('form[action="/applicants"] button').click()]);
    const listB = await hrB.locator('main').innerText();
    assert.match(listB, /待本人确认/);
    assert.doesNotMatch(listB, new RegExp(PERSON.name), 'B sees no name before consent');
    await shot(hrB, 'consent-2-employer-waits');
    await smsTo(run.server.dataDir, PERSON.mobile, /乙公司申请将您登记/);

    // The person, on a phone, signs in and accepts.
    const person = await page(PHONE);
    const password = await initialPasswordFromSms(run.server.dataDir, PERSON.mobile);
    await signIn(person, run.server.base, PERSON.id, password);
    await changePassword(person, password, 'person password 4');
    await Promise.all([person.waitForURL(/\/account\/employers$/), person.getByRole('link', { name: /我的用人单位/ }).click()]);
    assert.match(await person.locator('main').innerText(), /乙公司[\s\S]*待您确认/);
    const overflow = await person.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page fits a phone (${overflow}px too wide)`);
    await shot(person, 'consent-3-person-decides-phone');
    await Promise.all([person.waitForNavigation(), person.getByRole('button', { name: '同意关联' }).click()]);
    assert.match(await person.locator('main').innerText(), /乙公司[\s\S]*已关联/);

    await hrB.reload();
    assert.match(await hrB.locator('main').innerText(), new RegExp(PERSON.name), 'after consent B sees the person');
    await shot(hrB, 'consent-4-employer-linked');
  });
});
