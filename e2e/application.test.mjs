// An application's whole path in a real browser (Debian's headless Chromium), each person
// in their own browser context: an employer signs up and a district clerk verifies it; the
// employer's HR agent opens an applicant's account; the applicant signs in with the initial
// password from the SMS (the default sender writes sms.log), changes it, fills the form and
// submits; the employer returns it with a comment on one field; the applicant fixes it and
// resubmits; the employer approves and files it and downloads the printed form, whose text
// must carry the applicant's name in Chinese. Then the district centre: the counter asks once
// for what is missing, the employer completes it, the counter accepts with a receipt; the
// reviewer requests the personnel file, marks months as back-paid (the verified score drops,
// and the engine says why), and a supervisor approves on a phone. Screenshots of each page go
// to screenshots/.
//
//   cd e2e && npm ci && node --test
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import {
  DESKTOP,
  PHONE,
  changePassword,
  cliEnv,
  initialPasswordFromSms,
  jifenBin,
  newPage,
  runSql,
  scan,
  screenshots,
  serverAndBrowser,
  shot,
  signIn,
  smsTo,
  uploadMaterial,
} from './harness.mjs';

const ZHANG = { name: '张伟明', id: '310101199005120016', mobile: '13900000009' };

/** The text of every page of a PDF, as a reader's copy-and-paste would give it. */
async function pdfText(bytes) {
  const document = await getDocument({ data: new Uint8Array(bytes), disableFontFace: true }).promise;
  let text = '';
  for (let number = 1; number <= document.numPages; number += 1) {
    const content = await (await document.getPage(number)).getTextContent();
    text += content.items.map((item) => item.str).join('') + '\n';
  }
  return text;
}

describe('an application from account creation to the printed form, in Chinese', () => {
  const run = serverAndBrowser('app');
  const people = {};

  async function person(name) {
    const page = await newPage(run.browser);
    people[name] = page;
    return page;
  }

  const stateText = (page) => page.locator('#state').innerText();

  test('an employer signs up and a clerk of its district verifies it', async () => {
    const hr = await person('hr');
    await hr.goto(`${run.server.base}/employers/register`);
    await hr.locator('input[name=name]').fill('上海示例科技有限公司');
    await hr.locator('input[name=credit_code]').fill('91350100M000100Y43');
    await hr.locator('select[name=district]').selectOption('pudong');
    await hr.locator('input[name=contact_name]').fill('王经办');
    await hr.locator('input[name=contact_phone]').fill('13800000000');
    await hr.locator('input[name=username]').fill('hr-agent');
    await hr.locator('input[name=password]').fill('agent password 1');
    await Promise.all([hr.waitForNavigation(), hr.locator('form[action="/employers/register"] button').click()]);
    assert.match(await hr.locator('.notice').innerText(), /浦东新区人才服务中心审核通过后/, 'success reads as success');

    const created = execFileSync(jifenBin, ['admin', 'create-user', '--username', 'clerk', '--role', 'clerk', '--district', 'pudong'], {
      cwd: run.dir,
      env: cliEnv(run.server),
      encoding: 'utf8',
    });
    const initial = /initial password: (\S+)/.exec(created)[1];
    const clerk = await person('clerk');
    await signIn(clerk, run.server.base, 'clerk', initial);
    await changePassword(clerk, initial, 'clerk password 2');
    assert.match(await clerk.locator('main').innerText(), /上海示例科技有限公司/);
    await Promise.all([clerk.waitForNavigation(), clerk.locator('button[name=decision][value=verify]').click()]);
    assert.doesNotMatch(await clerk.locator('main').innerText(), /上海示例科技有限公司/, 'no longer pending');
  });

  test('the HR agent opens the applicant account; the applicant signs in with the SMS password', async () => {
    const hr = people.hr;
    await signIn(hr, run.server.base, 'hr-agent', 'agent password 1');
    await Promise.all([hr.waitForURL(/\/applicants/), hr.getByRole('link', { name: /申请人账号/ }).click()]);
    await hr.locator('form[action="/applicants"] input[name=name]').fill(ZHANG.name);
    await hr.locator('form[action="/applicants"] input[name=id_number]').fill(ZHANG.id);
    await hr.locator('form[action="/applicants"] input[name=mobile]').fill(ZHANG.mobile);
    await Promise.all([hr.waitForURL(/done=created/), hr.locator('form[action="/applicants"] button').click()]);
    const list = await hr.locator('main').innerText();
    assert.match(list, /初始密码已通过短信发送/);
    assert.match(list, /310\*{11}0016/, 'the list masks the ID number');
    assert.ok(!list.includes(ZHANG.id));
    await shot(hr, 'applicants-zh');

    const initial = await initialPasswordFromSms(run.server.dataDir, ZHANG.mobile);
    const zhang = await person('zhang');
    await signIn(zhang, run.server.base, ZHANG.id, initial);
    await changePassword(zhang, initial, 'zhang password 3');
  });

  test('the applicant fills the form, sees the claimed score, and submits it', async () => {
    const zhang = people.zhang;
    await zhang.goto(`${run.server.base}/applications`);
    await Promise.all([zhang.waitForURL(/\/applications\/\d+$/), zhang.getByRole('button', { name: '开始填写积分申请' }).click()]);
    assert.equal(await stateText(zhang), '个人填报中');
    assert.equal(await zhang.locator('input[name=name]').inputValue(), ZHANG.name, 'pre-filled from the account');
    const fill = async (name, value) => zhang.locator(`[name=${name}]`).fill(value);
    await fill('permit_number', 'SH0001');
    await fill('address', '上海市浦东新区世纪大道 100 号');
    await zhang.locator('select[name=family_relation_0]').selectOption('child');
    await fill('family_name_0', '张小明');
    await fill('post', '软件工程师');
    await fill('contract_from', '2020-01-01');
    await zhang.locator('select[name=edu_level]').selectOption('bachelor');
    await zhang.locator('input[name=edu_degree]').check();
    await fill('si_from_0', '2019-01');
    await fill('si_to_0', '2025-05');
    await fill('si_base_0', '12000');
    // The claimed score, and the materials the claim needs, follow the form as it is typed.
    await zhang.waitForFunction(
      () => Number(document.querySelector('#total')?.textContent) >= 90 && /学位证书/.test(document.querySelector('#materials')?.textContent),
      null,
      { timeout: 10_000 },
    );
    const checklist = await zhang.locator('#materials').innerText();
    assert.match(checklist, /学历证书/);
    assert.match(checklist, /学位证书/);

    // Leaving with an unsaved change warns.
    await fill('post', '高级软件工程师');
    const warned = new Promise((ok) => zhang.once('dialog', async (dialog) => { ok(dialog.type()); await dialog.dismiss(); }));
    await zhang.getByRole('link', { name: '返回申请列表' }).click();
    assert.equal(await warned, 'beforeunload', 'leaving with unsaved changes warns');
    assert.match(zhang.url(), /\/applications\/\d+$/, 'and stays when asked to');

    // An upload keeps what was typed and not yet saved (issue #11: a corrected date reverted).
    await fill('address', '上海市浦东新区世纪大道 200 号');
    await uploadMaterial(zhang, 'id_card', '身份证.pdf');
    assert.equal(await zhang.locator('input[name=address]').inputValue(), '上海市浦东新区世纪大道 200 号', 'the unsaved edit survives the upload');
    assert.equal(await zhang.locator('input[name=post]').inputValue(), '高级软件工程师');
    assert.match(await zhang.locator('#done').innerText(), /一并保存/, 'the upload confirms');
    assert.match(await zhang.locator('#materials').innerText(), /身份证\.pdf/);
    // The checklist says what each move waits for; the stamped form is brought, not uploaded.
    const status = (material) => zhang.locator(`#materials tr[data-material=${material}]`).getAttribute('data-status');
    assert.equal(await status('residence_permit'), 'missing');
    assert.equal(await status('diploma'), 'not_needed_yet');
    assert.equal(await status('application_form'), 'at_counter');
    assert.equal(await zhang.locator('input[name=file_application_form]').count(), 0);
    // Files chosen together are kept together or not at all: a page that is no scan refuses
    // the lot, names its material, and keeps nothing.
    const applicationUrl = zhang.url().split('?')[0].split('#')[0];
    await zhang.locator('input[type=file][name=file_residence_permit]').setInputFiles(scan('居住证.pdf'));
    await zhang.locator('input[type=file][name=file_labour_contract]')
      .setInputFiles({ name: '合同.html', mimeType: 'text/html', buffer: Buffer.from('<html>not a scan</html>') });
    const [refusal] = await Promise.all([
      zhang.waitForNavigation(),
      zhang.locator('#materials tr[data-material=residence_permit]').getByRole('button', { name: /上传|替换/ }).click(),
    ]);
    assert.equal(refusal.status(), 422);
    assert.match(await zhang.locator('[role=alert]').innerText(), /与用人单位签订的劳动合同：只接受 PDF、JPEG 或 PNG 文件/);
    assert.match(await zhang.locator('main').innerText(), /所选的文件都没有保存；表单已保存为草稿/);
    await shot(zhang, 'upload-refused-zh');
    const desktop = zhang.viewportSize();
    await zhang.setViewportSize(PHONE);
    await shot(zhang, 'upload-refused-phone-zh');
    await zhang.setViewportSize(desktop);
    await Promise.all([zhang.waitForNavigation(), zhang.getByRole('link', { name: '返回申请，重新选择文件' }).click()]);
    assert.equal(zhang.url().split('#')[0], applicationUrl);
    assert.equal(await status('residence_permit'), 'missing', 'the good scan was not kept either');
    await uploadMaterial(zhang, 'residence_permit', '居住证.pdf');
    await uploadMaterial(zhang, 'labour_contract', '劳动合同.pdf');
    await shot(zhang, 'application-form-zh');
    await Promise.all([zhang.waitForNavigation(), zhang.getByRole('button', { name: '提交单位审核' }).click()]);
    assert.equal(await stateText(zhang), '待单位审核');
    // On a phone the page is one column, and nothing is wider than the screen.
    await zhang.setViewportSize(PHONE);
    const overflow = await zhang.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await shot(zhang, 'application-phone-zh');
    await zhang.setViewportSize(DESKTOP);
  });

  test('the employer returns it with a comment on one field; the applicant fixes it', async () => {
    const hr = people.hr;
    await hr.goto(`${run.server.base}/applications`);
    await Promise.all([hr.waitForURL(/\/applications\/\d+$/), hr.locator('table a[href^="/applications/"]').first().click()]);
    assert.equal(await stateText(hr), '待单位审核');
    await hr.locator('input[name=note_permit_number]').fill('居住证号码与证件不符');
    await shot(hr, 'review-zh');
    await Promise.all([hr.waitForNavigation(), hr.getByRole('button', { name: '退回修改' }).click()]);
    assert.equal(await stateText(hr), '单位退回修改');

    const zhang = people.zhang;
    await zhang.reload();
    assert.equal(await stateText(zhang), '单位退回修改');
    assert.match(await zhang.locator('#review').innerText(), /居住证号码：居住证号码与证件不符/);
    await zhang.locator('input[name=permit_number]').fill('SH0002');
    // A returned application takes a replaced file (and keeps the edit made before it).
    await uploadMaterial(zhang, 'id_card', '身份证-新.pdf');
    assert.equal(await zhang.locator('input[name=permit_number]').inputValue(), 'SH0002');
    await Promise.all([zhang.waitForNavigation(), zhang.getByRole('button', { name: '提交单位审核' }).click()]);
    assert.equal(await stateText(zhang), '待单位审核');

    // The employer sees what changed since it returned the form.
    await hr.reload();
    const changes = await hr.locator('#changes').innerText();
    assert.match(changes, /居住证号码/);
    assert.match(changes, /SH0001/);
    assert.match(changes, /SH0002/);
    assert.match(changes, /居民身份证/, 'and the new file');
    await shot(hr, 'review-changes-zh');
  });

  test('the employer approves and files it, and downloads the printed form with the name in Chinese', async () => {
    const hr = people.hr;
    await hr.reload();
    await Promise.all([hr.waitForNavigation(), hr.getByRole('button', { name: '审核通过' }).click()]);
    assert.equal(await stateText(hr), '单位审核通过，待单位提交');
    // Filing waits for the documents the claim needs, and says which.
    await Promise.all([hr.waitForNavigation(), hr.getByRole('button', { name: '单位提交申请' }).click()]);
    assert.equal(await stateText(hr), '单位审核通过，待单位提交', 'not filed');
    const refusal = await hr.locator('#refused').innerText();
    assert.match(refusal, /还缺少以下材料/);
    assert.match(refusal, /学历证书/);
    await shot(hr, 'file-refused-zh');
    for (const [material, name] of [['diploma', '毕业证.pdf'], ['degree_certificate', '学位证.pdf'], ['child_birth_certificate', '出生证明.pdf']]) {
      await uploadMaterial(hr, material, name);
    }
    // A scan opens in the browser.
    const [opened] = await Promise.all([hr.context().waitForEvent('page'), hr.getByRole('link', { name: '毕业证.pdf' }).click()]);
    assert.ok(opened.url().endsWith('/view'), opened.url());
    const shown = await hr.context().request.get(opened.url());
    assert.equal(shown.status(), 200);
    assert.match(shown.headers()['content-disposition'], /^inline/);
    assert.equal(shown.headers()['content-type'], 'application/pdf');
    await opened.close();
    await Promise.all([hr.waitForNavigation(), hr.getByRole('button', { name: '单位提交申请' }).click()]);
    assert.equal(await stateText(hr), '单位已提交，待区受理中心窗口受理');
    assert.match(await hr.locator('#progress').innerText(), /浦东新区人才服务中心/);
    const history = await hr.locator('#history').innerText();
    for (const step of ['创建申请', '提交单位审核', '退回修改', '审核通过', '单位提交申请']) assert.match(history, new RegExp(step));
    await shot(hr, 'filed-zh');

    const [download] = await Promise.all([hr.waitForEvent('download'), hr.getByRole('link', { name: /打印申请表/ }).click()]);
    await download.saveAs(join(screenshots, 'application-form.pdf'));
    const text = await pdfText(readFileSync(await download.path()));
    assert.match(text, /上海市居住证积分申请表/);
    assert.match(text, new RegExp(ZHANG.name));
    assert.match(text, /用人单位意见（盖章）/);
    assert.match(text, /SH0002/, 'the corrected permit number');

    // The district centre now has it in its queue, the ID number masked.
    const clerk = people.clerk;
    await clerk.goto(`${run.server.base}/applications`);
    const queue = await clerk.locator('main').innerText();
    assert.match(queue, new RegExp(ZHANG.name));
    assert.match(queue, /310\*{11}0016/);
  });

  /** A staff account made on the command line, signed in with its new password. */
  async function staff(username, role, viewport = DESKTOP) {
    const created = execFileSync(jifenBin, ['admin', 'create-user', '--username', username, '--role', role, '--district', 'pudong'], {
      cwd: run.dir,
      env: cliEnv(run.server),
      encoding: 'utf8',
    });
    const initial = /initial password: (\S+)/.exec(created)[1];
    const page = await person(username);
    await page.setViewportSize(viewport);
    await signIn(page, run.server.base, username, initial);
    await changePassword(page, initial, `${username} password 9`);
    return page;
  }

  /** Opens the application from the centre's queue. */
  async function openFromQueue(page) {
    await page.goto(`${run.server.base}/centre`);
    assert.match(await page.locator('#queue').innerText(), new RegExp(ZHANG.name));
    await Promise.all([page.waitForURL(/\/applications\/\d+$/), page.locator('#queue a').first().click()]);
  }

  async function pdfOf(page, linkName, file) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName }).click()]);
    await download.saveAs(join(screenshots, file));
    return pdfText(readFileSync(await download.path()));
  }

  const act = async (page, button) => {
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()]);
  };

  test('the counter asks once for everything missing; the employer completes it; the counter accepts with a receipt', async () => {
    const clerk = people.clerk;
    await openFromQueue(clerk);
    await shot(clerk, 'centre-counter-zh');
    const marks = clerk.locator('#counter select');
    for (let i = 0; i < (await marks.count()); i += 1) await marks.nth(i).selectOption('original');
    await clerk.locator('select[name=counter_child_birth_certificate]').selectOption('missing');
    await clerk.locator('select[name=counter_labour_contract]').selectOption('defective');
    // A defective material needs its reason: the page says so and keeps nothing half-done.
    await act(clerk, '一次性告知补正');
    assert.match(await clerk.locator('#refused').innerText(), /不符合要求的原因/);
    await clerk.locator('select[name=counter_child_birth_certificate]').selectOption('missing');
    await clerk.locator('select[name=counter_labour_contract]').selectOption('defective');
    for (let i = 0; i < (await marks.count()); i += 1) {
      if ((await marks.nth(i).inputValue()) === '') await marks.nth(i).selectOption('original');
    }
    await clerk.locator('input[name=counter_reason_labour_contract]').fill('缺少第 3 页');
    await act(clerk, '一次性告知补正');
    assert.equal(await stateText(clerk), '一次性告知补正，待单位补齐材料');
    const notice = await pdfOf(clerk, '补正材料一次性告知书', 'correction-notice.pdf');
    assert.match(notice, /一次性告知/);
    assert.match(notice, /出生医学证明/);
    assert.match(notice, /缺少第 3 页/);

    const hr = people.hr;
    await hr.reload();
    const asked = await hr.locator('#correction').innerText();
    assert.match(asked, /出生医学证明/);
    assert.match(asked, /补正期限/);
    assert.match(await hr.locator('#progress').innerText(), /中心时限暂停/);
    await shot(hr, 'centre-correction-zh');
    await smsTo(run.server.dataDir, '13800000000', /需补正/);
    await act(hr, '材料已补齐，请窗口再次核对');
    assert.equal(await stateText(hr), '单位已提交，待区受理中心窗口受理');

    await clerk.reload();
    for (let i = 0; i < (await marks.count()); i += 1) await marks.nth(i).selectOption('original');
    await act(clerk, '材料齐全，受理');
    assert.equal(await stateText(clerk), '已受理，待调取人事档案');
    const receipt = await pdfOf(clerk, '收件凭证', 'receipt.pdf');
    assert.match(receipt, /收件凭证/);
    assert.match(receipt, new RegExp(ZHANG.name));
    assert.match(receipt, /劳动合同/);
    await smsTo(run.server.dataDir, ZHANG.mobile, /人才服务中心受理/);
    // The centre keeps the diploma and the degree certificate; the diploma goes back against a signature.
    assert.match(receipt, /原件由本中心留存/);
    await clerk.locator('#originals input[value=degree_certificate]').uncheck();
    await clerk.locator('#originals input[name=collected_by]').fill('王经办');
    await act(clerk, '归还原件');
    const originals = await clerk.locator('#originals').innerText();
    assert.match(originals, /学历证书：已归还.*签收人 王经办/);
    assert.match(originals, /学位证书：留存中/);
  });

  test('the reviewer requests the file and marks months back-paid; a supervisor approves on a phone', async () => {
    const reviewer = await staff('reviewer', 'reviewer');
    await openFromQueue(reviewer);
    // The reviewer takes it: the queue and the page name who holds it.
    assert.match(await reviewer.locator('#holder').innerText(), /未指派/);
    await act(reviewer, '我来办理');
    assert.match(await reviewer.locator('#holder').innerText(), /经办人：reviewer/);
    await reviewer.locator('textarea[name=comment]').fill('上海市浦东新区人才服务中心档案室');
    await act(reviewer, '发出调档函');
    assert.equal(await stateText(reviewer), '人事档案调取中');
    assert.match(await pdfOf(reviewer, '调档函', 'transfer-letter.pdf'), /浦东新区人才服务中心档案室/);
    await act(reviewer, '档案已到，开始审核');
    assert.equal(await stateText(reviewer), '逐项审核中');

    // A finding against the employer: recorded by the reviewer, answered by the HR agent.
    await reviewer.locator('#findings summary').click();
    await reviewer.locator('#findings select[name=material]').selectOption('labour_contract');
    await reviewer.locator('#findings input[name=finding]').fill('合同签章与单位公章不符');
    await reviewer.locator('#findings textarea[name=evidence]').fill('窗口比对原件');
    await reviewer.locator('#findings input[name=person]').uncheck();
    await reviewer.locator('#findings input[name=employer]').check();
    await act(reviewer, '记录并告知当事人');
    assert.match(await reviewer.locator('#findings').innerText(), /已告知，待陈述意见/);
    await smsTo(run.server.dataDir, '13800000000', /陈述意见/);
    const hr = people.hr;
    await hr.goto(`${run.server.base}/blacklist`);
    await hr.locator('textarea[name=text]').fill('已核对：合同为单位新刻公章所签，附备案回执');
    await act(hr, '提交陈述意见');
    assert.match(await hr.locator('main').innerText(), /已陈述意见，待决定/);
    await shot(hr, 'blacklist-employer-zh');

    const checks = reviewer.locator('#checks select');
    for (let i = 0; i < (await checks.count()); i += 1) await checks.nth(i).selectOption('passed');
    // The last 14 months were back-paid: a range of their own, ticked; the facts change, not the points.
    await reviewer.locator('input[name=verify_si_to_0]').fill('2024-03');
    await reviewer.locator('input[name=verify_si_from_1]').fill('2024-04');
    await reviewer.locator('input[name=verify_si_to_1]').fill('2025-05');
    await reviewer.locator('input[name=verify_si_base_1]').fill('12000');
    await reviewer.locator('input[name=verify_si_backpaid_1]').check();
    await reviewer.locator('select[name=verdict_si_years]').selectOption('corrected');
    await reviewer.locator('select[name=reason_si_years]').selectOption('back_paid');
    await shot(reviewer, 'centre-review-zh');
    await act(reviewer, '保存逐项审核结果');
    const verified = Number(await reviewer.locator('#verified-total').innerText());
    assert.ok(verified < 138 && verified >= 120, `verified ${verified}`);
    const row = await reviewer.locator('#verification tr[data-item=si_years]').innerText();
    assert.match(row, /补缴/);
    await act(reviewer, '审核完成，提交决定');
    assert.equal(await stateText(reviewer), '审核完成，待决定');
    assert.equal(await reviewer.getByRole('button', { name: '决定：审核通过' }).count(), 0, 'the reviewer cannot decide');

    const supervisor = await staff('supervisor', 'supervisor', PHONE);
    // The supervisor, who recorded nothing, dismisses the finding after the response.
    await supervisor.goto(`${run.server.base}/blacklist`);
    await supervisor.locator('textarea[name=reason]').fill('单位已提供公章备案回执，不予认定');
    await act(supervisor, '不予认定');
    assert.equal(await supervisor.locator('section.blacklist').getAttribute('data-standing'), 'dismissed');
    await shot(supervisor, 'blacklist-decided-phone-zh');
    await openFromQueue(supervisor);
    const applicationId = /\/applications\/(\d+)$/.exec(supervisor.url())[1];
    assert.match(await supervisor.locator('#verification').innerText(), /更正/);
    const overflow = await supervisor.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await shot(supervisor, 'centre-decision-phone-zh');
    await act(supervisor, '决定：审核通过');
    assert.equal(await stateText(supervisor), '积分审核通过（达到标准分值）');
    await smsTo(run.server.dataDir, ZHANG.mobile, new RegExp(`核定积分 ${verified} 分`));
    await smsTo(run.server.dataDir, '13800000000', new RegExp(`核定积分 ${verified} 分`));
    // Decided, it leaves the queue of open work; the state filter lists the latest granted.
    await supervisor.goto(`${run.server.base}/centre`);
    assert.equal(await supervisor.locator('#queue-empty').count(), 1, 'nothing is open any more');
    await supervisor.locator('select[name=state]').selectOption('granted');
    await Promise.all([supervisor.waitForURL(/state=granted/), supervisor.getByRole('button', { name: '筛选' }).click()]);
    assert.match(await supervisor.locator('#queue').innerText(), new RegExp(ZHANG.name));
    assert.match(await supervisor.locator('#closed-shown').innerText(), /最新的在前，最多显示 200 件/);
    const queueOverflow = await supervisor.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(queueOverflow <= 0, `the queue is ${queueOverflow}px wider than a phone`);
    const queueScrolls = await supervisor.locator('#queue').evaluate((table) => table.parentElement.scrollWidth > table.parentElement.clientWidth + 1);
    assert.equal(queueScrolls, false, 'each application is a card: the queue does not scroll sideways on a phone');
    await shot(supervisor, 'centre-granted-queue-phone-zh');
    // The person at the counter shows their ID card: the whole number, typed in full-width
    // digits, finds them among the granted; another valid number finds nobody.
    const fullWidth = ZHANG.id.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    await supervisor.locator('input[name=q]').fill(fullWidth);
    await Promise.all([supervisor.waitForURL(/q=/), supervisor.getByRole('button', { name: '筛选' }).click()]);
    assert.match(await supervisor.locator('#queue').innerText(), new RegExp(ZHANG.name));
    await shot(supervisor, 'centre-granted-by-id-phone-zh');
    await supervisor.locator('input[name=q]').fill('11010519491231002x');
    await Promise.all([supervisor.waitForURL(/q=11010519491231002x/), supervisor.getByRole('button', { name: '筛选' }).click()]);
    assert.equal(await supervisor.locator('#queue-empty').count(), 1, 'another person finds nothing');
    // The supervisor's dashboard on the phone: the grant is counted, over the last 90 days by
    // default and over the last year when chosen; the page does not scroll sideways.
    await supervisor.goto(`${run.server.base}/dashboard`);
    let board = await supervisor.locator('main').innerText();
    assert.match(board, /统计看板 · /);
    assert.match(board, /（近 90 天）/);
    assert.match(board, /审核通过\s+1\s+1\s+100\.0%/, board);
    await supervisor.locator('select[name=days]').selectOption('365');
    await Promise.all([supervisor.waitForURL(/days=365/), supervisor.getByRole('button', { name: '查看' }).click()]);
    board = await supervisor.locator('main').innerText();
    assert.match(board, /（近一年）/);
    assert.match(board, /审核通过\s+1\s+1\s+100\.0%/, board);
    assert.equal(await supervisor.locator('a[href*="table=rates"][href*="days=365"]').count(), 1, 'the CSV keeps the period');
    const boardOverflow = await supervisor.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(boardOverflow <= 0, `the dashboard is ${boardOverflow}px wider than a phone`);
    await shot(supervisor, 'dashboard-phone-zh');
    const zhang = people.zhang;
    // The supervisor's audit log on the phone, for this application: everything about it
    // since it was filed with the district's centre, the applicant's and employer's entries
    // from before the filing too, and the staff's at the counter, in review and deciding.
    await supervisor.goto(`${run.server.base}/admin/audit`);
    await supervisor.locator('input[name=application]').fill(applicationId);
    await Promise.all([supervisor.waitForURL(/application=/), supervisor.getByRole('button', { name: '查询' }).click()]);
    const log = supervisor.locator('tbody');
    const actors = await log.locator('tr td:nth-child(2)').allInnerTexts();
    for (const who of ['clerk', 'reviewer', 'supervisor', ZHANG.id]) {
      assert.ok(actors.some((actor) => actor.includes(who)), `${who} in the application's log: ${actors}`);
    }
    assert.match(await log.innerText(), new RegExp(`application:${applicationId}`));
    const logOverflow = await supervisor.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(logOverflow <= 0, `the audit log is ${logOverflow}px wider than a phone`);
    // A long detail (an upload's SHA-256) wraps inside its card instead of being cut off.
    const clipped = await log.locator('td').evaluateAll((cells) => cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 1).length);
    assert.equal(clipped, 0, 'no entry is cut off at the right');
    await shot(supervisor, 'audit-application-phone-zh');
    // The same log at a desk: a table with its headings, each entry one row, nothing cut off
    // and nothing wider than the window (the SHA-256 of an upload wraps in its cell).
    const phoneSize = supervisor.viewportSize();
    await supervisor.setViewportSize(DESKTOP);
    assert.ok(await supervisor.locator('thead').isVisible(), 'the headings show on a desktop');
    const rowHeights = await log.locator('tr').evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height));
    assert.ok(rowHeights.length === actors.length && rowHeights.every((h) => h < 200), `one row an entry: ${rowHeights}`);
    const deskOverflow = await supervisor.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(deskOverflow <= 0, `the audit log is ${deskOverflow}px wider than the window`);
    const deskScrolls = await supervisor.locator('table').evaluate((table) => table.parentElement.scrollWidth > table.parentElement.clientWidth + 1);
    assert.equal(deskScrolls, false, 'the details wrap: the table does not scroll sideways to show them');
    const timeLines = await log.locator('td.date').first().evaluate((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return range.getClientRects().length;
    });
    assert.equal(timeLines, 1, 'the time stands on one line');
    await shot(supervisor, 'audit-application-desktop-zh');
    await supervisor.setViewportSize(phoneSize);
    await zhang.goto(zhang.url());
    assert.equal(await stateText(zhang), '积分审核通过（达到标准分值）');
    assert.equal(Number(await zhang.locator('#verified-total').innerText()), verified);
    assert.match(await zhang.locator('#verification').innerText(), /补缴/, 'the applicant sees why');
    await shot(zhang, 'centre-granted-applicant-zh');

    // The holder prints the points notice from their home page: holder, child and the check address.
    await zhang.goto(`${run.server.base}/home`);
    assert.match(await zhang.locator('#my-notice').innerText(), /有效/);
    const notice = await pdfOf(zhang, '打印积分通知书（PDF）', 'points-notice.pdf');
    assert.match(notice, /上海市居住证积分通知书/);
    assert.match(notice, new RegExp(ZHANG.name));
    assert.match(notice, /张小明/);
    const address = /(https?:\/\/\S+\/verify\/[A-Z0-9-]+\/[A-Z0-9]{12})/.exec(notice.replace(/\s+/g, ''))[1];
    // Anyone opens the address of the QR code on a phone: genuine, in force, personal data masked.
    const phone = await newPage(run.browser, PHONE);
    await phone.goto(address);
    const verdict = phone.locator('#verdict');
    assert.equal(await verdict.getAttribute('data-standing'), 'current');
    const shown = await verdict.innerText();
    assert.match(shown, /真实有效/);
    assert.match(shown, /张\*明/);
    assert.ok(!shown.includes(ZHANG.id), 'the ID number is masked');
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `the page is ${wide}px wider than a phone`);
    await shot(phone, 'notice-verify-phone-zh');
    await phone.goto(address.replace(/[A-Z0-9]{12}$/, 'AAAAAAAAAAAA'));
    assert.equal(await phone.locator('#verdict').getAttribute('data-standing'), 'unknown');
    await phone.context().close();

    // The applicant asks for reconsideration; a supervisor who took no part answers it.
    await zhang.goto(`${run.server.base}/applications`);
    await Promise.all([zhang.waitForURL(/\/applications\/\d+$/), zhang.locator('main table a').first().click()]);
    await zhang.locator('#centre-form textarea[name=comment]').fill('补缴月份系单位原因，附单位说明');
    await act(zhang, '申请复核（写明理由，可上传证明材料）');
    assert.equal(await stateText(zhang), '申请复核中，待未参与原决定的人员办理');
    assert.equal(await supervisor.goto(zhang.url()).then(() => supervisor.getByRole('button', { name: '复核：维持原决定' }).count()), 1);
    await supervisor.locator('#centre-form textarea[name=comment]').fill('x');
    await act(supervisor, '复核：维持原决定');
    assert.match(await supervisor.locator('#refused').innerText(), /未参与的人员/, 'whoever decided cannot answer');
    const impartial = await staff('supervisor2', 'supervisor');
    await openFromQueue(impartial);
    await impartial.locator('#centre-form textarea[name=comment]').fill('补缴月份不计分为规定，维持原决定');
    await act(impartial, '复核：维持原决定');
    assert.equal(await stateText(impartial), '复核维持原决定');
    // On a desktop, the dashboard of the same district counts the one grant too.
    await impartial.goto(`${run.server.base}/dashboard`);
    assert.match(await impartial.locator('main').innerText(), /审核通过\s+1\s+1\s+100\.0%/);
    await shot(impartial, 'dashboard-desktop-zh');
    await smsTo(run.server.dataDir, ZHANG.mobile, /复核已办结/);
  });

  test('an administrator corrects a value; the holder falls below the standard and is told', async () => {
    const created = execFileSync(jifenBin, ['admin', 'create-user', '--username', 'root', '--role', 'admin'], {
      cwd: run.dir,
      env: cliEnv(run.server),
      encoding: 'utf8',
    });
    const initial = /initial password: (\S+)/.exec(created)[1];
    const admin = await person('root');
    await signIn(admin, run.server.base, 'root', initial);
    await changePassword(admin, initial, 'root password 9');
    await admin.goto(`${run.server.base}/admin/rules?file=sh-2023.toml#file`);
    const file = admin.locator('#file');
    const text = await file.locator('textarea[name=text]').inputValue();
    assert.match(text, /bachelor_with_degree = 90/);
    await file.locator('textarea[name=text]').fill(text.replace('bachelor_with_degree = 90', 'bachelor_with_degree = 70'));
    await file.locator('input[name=effective_from]').fill('2023-01-01');
    await file.locator('input[name=source]').fill('沪人社规〔2022〕41号（更正）');
    await file.locator('select[name=confidence]').selectOption('high');
    await file.locator('textarea[name=reason]').fill('本科学士学位分值更正');
    await Promise.all([admin.waitForURL(/\/admin\/rules\/preview$/), file.getByRole('button', { name: '预览变化' }).click()]);
    const preview = await admin.locator('main').innerText();
    assert.match(preview, /sh-2023 › education\.points/);
    assert.match(preview, new RegExp(`持证人\\s+${ZHANG.name}[\\s\\S]*达到标准 → 未达标准`));
    await shot(admin, 'rules-preview-holder-zh');
    await Promise.all([admin.waitForURL(/\/admin\/rules\/runs\/\d+$/), admin.getByRole('button', { name: '确认发布' }).click()]);
    // `jifen serve` carries the run on in the background; its page refreshes itself.
    let crossing = '';
    for (let tries = 0; tries < 30 && !crossing.includes(ZHANG.name); tries += 1) {
      await admin.waitForTimeout(500);
      crossing = await admin.locator('#crossing').innerText().catch(() => '');
    }
    assert.match(crossing, new RegExp(`${ZHANG.name}[\\s\\S]*未达标准`));
    await shot(admin, 'rules-rescored-zh');
    await smsTo(run.server.dataDir, ZHANG.mobile, /重新计算为 \d+ 分.*低于标准分值/);
    await smsTo(run.server.dataDir, '13800000000', /重新计算为 \d+ 分.*低于标准分值/);

    // The holder sees it on their home page, beside the notice's verified score.
    const zhang = people.zhang;
    await zhang.goto(`${run.server.base}/home`);
    const rescored = await zhang.locator('#rescored').innerText();
    const total = Number(/重新计算：\s*(\d+)/.exec(rescored)[1]);
    assert.ok(total < 120, `rescored ${total}`);
    assert.doesNotMatch(await zhang.locator('#my-application').innerText(), /等待/, 'a decided application waits for nobody');
    await shot(zhang, 'rules-rescored-holder-zh');
  });

  test('a year on, the employer starts the renewal; the holder finds it pre-filled on a phone', async () => {
    // Eleven months pass: the notice now ends in ten days, inside its renewal window.
    runSql(run.server, {
      sqlite: "UPDATE points_notices SET valid_until = date('now', '+10 days') WHERE superseded_at IS NULL",
      postgres: "UPDATE points_notices SET valid_until = to_char(current_date + 10, 'YYYY-MM-DD') WHERE superseded_at IS NULL",
    });
    const hr = people.hr;
    await hr.goto(`${run.server.base}/applicants`);
    const row = hr.locator('tr', { hasText: ZHANG.name });
    await shot(hr, 'renewal-offered-employer-zh');
    await Promise.all([hr.waitForURL(/\/applications\/\d+$/), row.getByRole('button', { name: '发起积分续办' }).click()]);
    assert.match(await hr.locator('main').innerText(), /积分续办/);
    await smsTo(run.server.dataDir, ZHANG.mobile, /已为您发起积分续办/);
    await hr.goto(`${run.server.base}/applicants`);
    assert.equal(await hr.locator('tr', { hasText: ZHANG.name }).getByRole('button').count(), 0, 'not offered twice');

    const zhang = await newPage(run.browser, PHONE);
    await signIn(zhang, run.server.base, ZHANG.id, 'zhang password 3');
    await zhang.goto(`${run.server.base}/applications`);
    await Promise.all([zhang.waitForURL(/\/applications\/\d+$/), zhang.locator('main a[href^="/applications/"]').first().click()]);
    assert.match(await zhang.locator('main').innerText(), /积分续办/);
    assert.equal(await zhang.locator('input[name=name]').inputValue(), ZHANG.name, 'pre-filled with the verified facts');
    const overflow = await zhang.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await shot(zhang, 'renewal-holder-phone-zh');
    await zhang.context().close();
  });
});
