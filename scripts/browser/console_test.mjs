// Drives the hiring web console in Debian's headless Chromium through playwright-core (no browser
// is ever downloaded). Started by scripts/browser_test.sh, which runs the server; reads:
//   HIRING_URL      the server, e.g. http://127.0.0.1:8080
//   HIRING_TOKEN    its admin token, named ops
//   HIRING_READ_TOKEN  its read token, named viewer
//   CSV_DIR         the folder of departments.csv, jobs.csv, hired_employees.csv
//   SCREENSHOT_DIR  where reports.png (and upload.png, batch.png, backup.png) are written
//   CHROMIUM        the browser (default /usr/bin/chromium)
// Fails on any browser console error, page error, failed request or error answer that a step
// did not expect.

import { chromium } from 'playwright-core';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { checkLook } from './look_checks.mjs';
import { checkRejectsBrowser } from './rejects_checks.mjs';
import {
  assertRestoreDialog, checkRestoreCancel, checkSetRestore, tableRows,
} from './restore_checks.mjs';

const base = required('HIRING_URL');
const apiToken = required('HIRING_TOKEN');
const readToken = required('HIRING_READ_TOKEN');
const csvDir = required('CSV_DIR');
const screenshots = required('SCREENSHOT_DIR');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

/** What went wrong in the browser outside an expected failure. */
const problems = [];
/** While set, failures matching it are expected (an error path under test). */
let expected = null;

function note(kind, text, url = '') {
  if (expected && expected(text, url)) return;
  problems.push(`${kind}: ${text}${url ? ` (${url})` : ''}`);
}

const userDataDir = await mkdtemp(join(tmpdir(), 'hiring-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});

const steps = [];
let failed = 0;

async function step(name, work) {
  const before = problems.length;
  try {
    await work();
    if (problems.length > before) throw new Error(problems.slice(before).join('\n'));
    steps.push(name);
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n${String(error?.stack ?? error).replace(/^/gm, '  ')}`);
    throw error;
  }
}

/** Runs `work` with failures matching `matches(text, url)` expected. */
async function expecting(matches, work) {
  expected = matches;
  try {
    await work();
  } finally {
    expected = null;
  }
}

const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(30_000);
page.on('console', (message) => {
  if (message.type() === 'error') note('console error', message.text(), message.location()?.url);
});
page.on('pageerror', (error) => note('page error', error.message));
page.on('requestfailed', (request) => {
  note('failed request', `${request.method()} ${request.failure()?.errorText}`, request.url());
});
page.on('response', (response) => {
  if (response.status() >= 400) {
    note('error answer', `${response.request().method()} ${response.status()}`, response.url());
  }
});

const text = (selector) => page.locator(selector).innerText();

/**
 * The focused element, described as `#id` or `tag "name"`, and whether its focus shows: it
 * matches :focus-visible and has an outline.
 */
async function focused() {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (!active || active === document.body) return { name: 'body', visible: false };
    const name = active.id
      ? `#${active.id}`
      : `${active.tagName.toLowerCase()} "${(active.getAttribute('aria-label') ?? active.textContent).trim()}"`;
    const style = getComputedStyle(active);
    const visible = active.matches(':focus-visible') && style.outlineStyle !== 'none'
      && parseFloat(style.outlineWidth) > 0;
    return { name, visible };
  });
}

/** Asserts that `name` (as `focused` says it) has the focus, and that the focus shows. */
async function assertFocus(name) {
  const now = await focused();
  assert.equal(now.name, name, 'where the focus is');
  assert.ok(now.visible, `the focus on ${name} is not visible`);
}

/** Presses Tab (Shift+Tab when `back`) until `name` has the focus; at most `limit` presses. */
async function tabTo(name, { back = false, limit = 80 } = {}) {
  const path = [];
  for (let press = 0; press < limit; press += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const now = await focused();
    path.push(now.name);
    if (now.name === name) return assertFocus(name);
  }
  assert.fail(`${name} was not reached by ${back ? 'Shift+Tab' : 'Tab'}: ${path.join(', ')}`);
}

/** Asserts that the text of `selector` is in (or is) a live region, so that it is announced. */
async function assertAnnounced(selector) {
  const live = await page.locator(selector).first().evaluate(
    (node) => node.closest('[aria-live]:not([aria-live=off]), [role=status], [role=alert]') !== null,
  );
  assert.ok(live, `${selector} is not in a live region`);
}

/**
 * Walks the page with Tab until the focus comes back to where it started, and asserts that
 * every visible, enabled control, link and focusable region was reached, in document order,
 * each with a visible focus, and that no tabindex is positive.
 */
async function assertTabWalk() {
  await page.evaluate(() => { window.tabWalk = []; });
  let cycled = false;
  for (let press = 0; press < 400 && !cycled; press += 1) {
    await page.keyboard.press('Tab');
    cycled = await page.evaluate(() => {
      const active = document.activeElement;
      if (!active || active === document.body) return false; // between the end and the start
      if (window.tabWalk[0]?.element === active) return true;
      const style = getComputedStyle(active);
      window.tabWalk.push({
        element: active,
        visible: active.matches(':focus-visible') && style.outlineStyle !== 'none'
          && parseFloat(style.outlineWidth) > 0,
      });
      return false;
    });
  }
  assert.ok(cycled, 'Tab never came back to where it started');
  const walk = await page.evaluate(() => {
    const name = (node) => (node.id
      ? `#${node.id}`
      : `${node.tagName.toLowerCase()} "${(node.getAttribute('aria-label') ?? node.textContent).trim().slice(0, 60)}"`);
    const reached = window.tabWalk.map((step) => step.element);
    // Every visible, enabled native control and link (whatever its tabindex), and every other
    // element that asks to be focusable.
    const controls = 'a[href], button, input, select, textarea, summary';
    const candidates = [...document.querySelectorAll(`${controls}, [tabindex], [contenteditable]`)]
      .filter((node) => (node.matches(controls) || node.tabIndex >= 0) && !node.disabled
        && node.checkVisibility({ visibilityProperty: true }) && !node.closest('[inert]'));
    const start = reached.indexOf(candidates[0]);
    const order = start < 0 ? reached : [...reached.slice(start), ...reached.slice(0, start)];
    return {
      missed: candidates.filter((node) => !reached.includes(node)).map(name),
      order: order.map(name),
      expected: candidates.map(name),
      unseen: window.tabWalk.filter((step) => !step.visible).map((step) => name(step.element)),
      positive: [...document.querySelectorAll('[tabindex]')]
        .filter((node) => Number(node.getAttribute('tabindex')) > 0).map(name),
    };
  });
  assert.deepEqual(walk.positive, [], 'positive tabindex');
  assert.deepEqual(walk.missed, [], 'not reached by Tab');
  assert.deepEqual(walk.order, walk.expected, 'the Tab order is not the document order');
  assert.deepEqual(walk.unseen, [], 'focused without a visible focus');
  return walk.order;
}

try {
  await step('the console loads, every control has a label and the reports of 2021 show', async () => {
    await page.goto(`${base}/`);
    assert.equal(await page.title(), 'hiring console');
    await page.locator('#reports-status .message.success').waitFor();
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((control) => control.labels.length === 0)
      .map((control) => control.id || control.name));
    assert.deepEqual(unlabelled, []);
    assert.ok(await page.locator('[aria-live]').count() >= 8);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    const reached = await assertTabWalk();
    for (const name of ['#token', '#upload-hired_employees', '#batch-rows', '#backup-now', '#restore-file', '#year']) {
      assert.ok(reached.includes(name), `${name} in ${reached.join(', ')}`);
    }
  });

  await step('without a token, a write says so in plain words', async () => {
    await expecting((message, url) => url.endsWith('/api/v1/backups') && /401/.test(message), async () => {
      await page.getByRole('button', { name: 'Back up now' }).click();
      await page.locator('#backup-result .message.error').waitFor();
    });
    const said = await text('#backup-result');
    assert.match(said, /No API token has been entered/);
    assert.doesNotMatch(said, /[{}]/, 'no raw JSON');
  });

  await step('the token is kept for the tab, with its name, its role and what it allows', async () => {
    await page.getByRole('textbox', { name: 'API token' }).fill(apiToken);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.locator('#token-status', { hasText: 'Signed in as ops (admin).' }).waitFor();
    await page.locator('#backup-list', { hasText: 'No backup yet' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hiring.apiToken')), apiToken);
    const said = await text('#token-status');
    assert.match(said, /This token may read the reports, read the reject log, list the backups, insert batches, upload files, back up, restore tables, prune old backups and read the audit log\./);
    assert.doesNotMatch(said, /Not with this token/);
    assert.equal(await page.locator('[data-action]:disabled').count(), 0, 'nothing is disabled');
    assert.equal(await page.locator('.access-note:visible').count(), 0, 'no reason shows');
    await assertAnnounced('#token-status .message');
  });

  await step('the three CSV files upload, with their progress, summaries and rejected rows', async () => {
    for (const table of ['departments', 'jobs', 'hired_employees']) {
      await page.getByLabel(`${table}.csv`).setInputFiles(join(csvDir, `${table}.csv`));
    }
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#upload-result', { hasText: 'Uploaded 3 file(s).' }).waitFor();
    assert.equal(await page.locator('#upload-progress').evaluate((bar) => bar.value), 100, 'the progress ends at 100%');
    assert.match(await text('#upload-bytes'), /^([\d,]+) of \1 bytes sent \(100%\)$/);
    const summary = page.locator('#upload-result table').first();
    const tables = await summary.locator('tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(tables, ['departments', 'jobs', 'hired_employees']);
    const hires = await summary.locator('tbody tr').nth(2).locator('td').allInnerTexts();
    const [read, inserted, , rejected] = hires.slice(1, 5).map((n) => Number(n.replace(/,/g, '')));
    assert.ok(read > 0 && inserted > 0 && rejected > 0, hires.join(' '));
    assert.equal(inserted + rejected, read);
    const rejects = page.locator('#upload-result table', { hasText: 'Rejected rows of hired_employees' });
    assert.equal(await rejects.locator('tbody tr').count(), Math.min(rejected, 100));
    assert.match(await rejects.innerText(), /is required|must be/);
  });

  await step('the rejects browser filters, counts, pages both ways and lists an upload\'s run', () => checkRejectsBrowser(page));
  await step('a small batch shows the result of each row', async () => {
    await page.getByLabel('Table', { exact: true }).first().selectOption('departments');
    await page.getByLabel('Rows (JSON array or CSV lines)').fill(
      '[{"id": 1001, "department": "Console"}, {"id": 1002, "department": ""}]',
    );
    await page.getByRole('button', { name: 'Insert' }).click();
    await page.locator('#batch-result', { hasText: '1 of 2 row(s) inserted into departments, 1 rejected.' }).waitFor();
    const rows = await page.locator('#batch-result tbody tr').allInnerTexts();
    assert.equal(rows.length, 2);
    assert.match(rows[0], /1001\s+inserted/);
    assert.match(rows[1], /rejected.*department: is required/);
  });

  let jobsBackup = '';
  await step('back up now lists the new backups', async () => {
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('#backup-result', { hasText: 'Backed up 3 table(s)' }).waitFor();
    await page.locator('#backup-list tbody tr').nth(2).waitFor();
    const listed = await page.locator('#backup-list tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(listed, ['departments', 'jobs', 'hired_employees']);
    jobsBackup = await page.locator('#backup-list tbody tr').nth(1).locator('td').nth(1).innerText();
    assert.match(jobsBackup, /^jobs\/jobs-\d{8}T\d{6}Z(-\d+)?\.avro$/);
  });

  await step('a table, then a whole backup set, is restored once confirmed (Cancel changes nothing)', async () => {
    await page.getByLabel('Table', { exact: true }).last().selectOption('jobs');
    const choices = await page.locator('#restore-file option').evaluateAll((options) => options.map((o) => o.value));
    assert.deepEqual(choices, [jobsBackup]);
    await page.getByLabel('Backup', { exact: true }).selectOption(jobsBackup);
    await checkRestoreCancel(page, 'jobs', jobsBackup);
    const { jobs } = await tableRows(page);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const dialog = await assertRestoreDialog(page, 'jobs', jobsBackup, jobs);
    await dialog.getByRole('button', { name: 'Replace the rows' }).click();
    const said = page.locator('#restore-result .message.success');
    await said.waitFor();
    assert.match(await said.innerText(), new RegExp(`^jobs restored from ${jobsBackup}: [\\d,]+ rows\\.$`));
    await checkSetRestore(page);
  });

  await step('a network failure is said in plain words', async () => {
    const blocked = '**/api/v1/reports/departments-above-mean?*';
    await page.route(blocked, (route) => route.abort('failed'));
    await expecting((message, url) => url.includes('departments-above-mean') || /ERR_FAILED/.test(message), async () => {
      await page.getByRole('button', { name: 'Show the reports' }).click();
      await page.locator('#reports-status .message.error').waitFor();
    });
    await page.unroute(blocked);
    assert.match(await text('#above-table'), /could not be reached/);
  });

  await step('both reports of 2021 show as tables and charts', async () => {
    await page.getByLabel('Year').fill('2021');
    await page.getByRole('button', { name: 'Show the reports' }).click();
    await page.locator('#reports-status', { hasText: 'Reports of 2021.' }).waitFor();
    for (const id of ['quarters', 'above']) {
      assert.ok(await page.locator(`#${id}-table tbody tr`).count() > 0, id);
      assert.doesNotMatch(await text(`#${id}-table`), /No (hires|department)/);
      const chart = page.locator(`#${id}-chart`);
      await chart.waitFor({ state: 'visible' });
      await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await chart.elementHandle());
      assert.match(await chart.getAttribute('alt'), /Bar chart/);
    }
    await mkdir(screenshots, { recursive: true });
    await page.locator('#reports-section').screenshot({ path: join(screenshots, 'reports.png') });
    for (const section of ['upload', 'batch', 'backup']) {
      await page.locator(`#${section}-section`).screenshot({ path: join(screenshots, `${section}.png`) });
    }
  });
  await step('at 360 and 390 px nothing scrolls sideways; dark mode reads at 4.5:1 or more', () => checkLook(page, screenshots));
  await step('a read token: its role shows, and what it may not do is disabled with the reason', async () => {
    await page.getByRole('textbox', { name: 'API token' }).fill(readToken);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.locator('#token-status', { hasText: 'Signed in as viewer (read).' }).waitFor();
    const said = await text('#token-status');
    assert.match(said, /This token may read the reports, read the reject log and list the backups\./);
    assert.match(said, /Not with this token: insert batches and upload files \(need an ingest token\); back up, restore tables, prune old backups and read the audit log \(need an admin token\)\./);
    for (const [control, note, needed] of [
      ['#backup-now', '#backup-now-note', 'an admin token'],
      ['#restore-form button[type=submit]', '#restore-note', 'an admin token'],
      ['#upload-form button[type=submit]', '#upload-note', 'an ingest token'],
      ['#batch-form button[type=submit]', '#batch-note', 'an ingest token'],
    ]) {
      assert.ok(await page.locator(control).isDisabled(), `${control} is not disabled`);
      const reason = page.locator(note);
      assert.ok(await reason.isVisible(), `${note} does not show`);
      assert.equal(await reason.innerText(), `Needs ${needed}: the token "viewer" has the read role.`);
      const describedBy = await page.locator(control).getAttribute('aria-describedby');
      assert.equal(`#${describedBy}`, note, `${control} is not described by its reason`);
    }
    for (const control of ['#upload-jobs', '#batch-rows', '#restore-table']) {
      assert.ok(await page.locator(control).isDisabled(), `${control} is not disabled`);
    }
    assert.ok(await page.locator('#backup-refresh').isEnabled(), 'a read token may list the backups');
    assert.ok(await page.locator('#year').isEnabled(), 'a read token may read the reports');
    await page.getByRole('button', { name: 'Refresh the list' }).click();
    await page.locator('#backup-list tbody tr').nth(2).waitFor();
  });

  await step('a refused request (403) says which role it needs and which the token has', async () => {
    // As if the page had been opened before the token lost its role: the button is enabled.
    await page.evaluate(() => { document.getElementById('backup-now').disabled = false; });
    await expecting((message, url) => url.endsWith('/api/v1/backups') && /403/.test(message), async () => {
      await page.getByRole('button', { name: 'Back up now' }).click();
      await page.locator('#backup-result .message.error').waitFor();
    });
    const said = await text('#backup-result');
    assert.equal(said, 'Error: Not allowed: this needs an admin token, and the token "viewer" has the read role. Enter an admin token under "API token" to do this.');
    await assertAnnounced('#backup-result .message.error');
    // The console asked the server again, and the button is disabled again.
    await page.waitForFunction(() => document.getElementById('backup-now').disabled);
    await page.locator('#token-status', { hasText: 'Signed in as viewer (read).' }).waitFor();
  });

  await step('on a 390 px wide phone screen the role and the reasons show without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((node) => node.getBoundingClientRect().right > 390 && !node.closest('.table-scroll'))
        .map((node) => `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''} (${Math.round(node.getBoundingClientRect().right)} px)`));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `the page is ${width} px wide: ${wide.join(', ')}`);
      for (const selector of ['#token-status', '#backup-now-note', '#upload-note', '#restore-note']) {
        const box = await page.locator(selector).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${selector}: ${JSON.stringify(box)}`);
      }
      await mkdir(screenshots, { recursive: true });
      await page.locator('#token-section').screenshot({ path: join(screenshots, 'token-phone.png') });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  await step('an invalid token is explained and forgotten, and every control comes back', async () => {
    await expecting((message, url) => url.endsWith('/api/v1/whoami') && /401/.test(message), async () => {
      await page.getByRole('textbox', { name: 'API token' }).fill('not-the-token-of-anyone-0000');
      await page.getByRole('button', { name: 'Use this token' }).click();
      await page.locator('#token-status .message.error').waitFor();
    });
    assert.equal(
      await text('#token-status'),
      'Error: The API token was refused (the bearer token is not valid). Enter a valid token under "API token". The token has been forgotten.',
    );
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hiring.apiToken')), null);
    assert.equal(await page.locator('[data-action]:disabled').count(), 0, 'nothing is disabled');
    assert.equal(await page.locator('.access-note:visible').count(), 0, 'no reason shows');
  });

  await step('with the keyboard alone: the skip link leads to the token, Space forgets it', async () => {
    await page.reload();
    await page.locator('#reports-status .message.success').waitFor();
    await page.keyboard.press('Tab');
    await assertFocus('a "Skip to the console"');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await assertFocus('#token');
    await tabTo('#token-forget');
    await page.keyboard.press('Space');
    await page.locator('#token-status', { hasText: 'No token is set' }).waitFor();
    await assertAnnounced('#token-status');
    await assertFocus('#token-forget');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hiring.apiToken')), null);
  });

  await step('with the keyboard alone: a refused backup is said, the token is typed, Space backs up with zstandard', async () => {
    await tabTo('#backup-now');
    await expecting((message, url) => url.endsWith('/api/v1/backups') && /401/.test(message), async () => {
      await page.keyboard.press('Enter');
      await page.locator('#backup-result .message.error').waitFor();
    });
    assert.match(await text('#backup-result'), /^Error: No API token has been entered .*Enter a valid token under "API token"\.$/);
    await assertAnnounced('#backup-result .message.error');
    await assertFocus('#backup-now');

    await tabTo('#token', { back: true });
    await page.keyboard.type(apiToken);
    await page.keyboard.press('Enter');
    await page.locator('#token-status', { hasText: 'Signed in as ops (admin).' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hiring.apiToken')), apiToken);
    assert.equal(await page.locator('#token').inputValue(), '', 'the token field is emptied');
    await assertFocus('#token');

    await tabTo('#backup-codec');
    await page.keyboard.press('End');
    assert.equal(await page.locator('#backup-codec').inputValue(), 'zstandard');
    await tabTo('#backup-now');
    await page.keyboard.press('Space');
    await page.locator('#backup-result .message.success', { hasText: 'Backed up 3 table(s)' }).waitFor();
    await assertAnnounced('#backup-result .message.success');
    await assertFocus('#backup-now');
    await page.locator('#backup-list tbody tr').nth(5).waitFor();
    await page.keyboard.press('Tab');
    await assertFocus('#backup-refresh');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.getElementById('backup-refresh').disabled);
    await assertFocus('#backup-refresh');
    assert.equal(await page.locator('#backup-list tbody tr').count(), 6);
    const codecs = await page.locator('#backup-list tbody tr td:nth-child(6)').allInnerTexts();
    assert.deepEqual(codecs.sort(), ['none', 'none', 'none', 'zstandard', 'zstandard', 'zstandard']);
  });

  await step('with the keyboard alone: the arrow keys choose a table and its backup, Enter restores once confirmed', async () => {
    await tabTo('#restore-table');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#restore-table').inputValue(), 'jobs');
    await page.keyboard.press('Tab');
    await assertFocus('#restore-file');
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    const file = await page.locator('#restore-file').inputValue();
    assert.match(file, /^jobs\/jobs-\d{8}T\d{6}Z(-\d+)?\.avro$/);
    await page.keyboard.press('Tab');
    await assertFocus('button "Restore"');
    await page.keyboard.press('Enter');
    await assertRestoreDialog(page, 'jobs', file, (await tableRows(page)).jobs);
    await assertFocus('#confirm-cancel');
    await page.keyboard.press('Tab');
    await assertFocus('#confirm-ok');
    await page.keyboard.press('Enter');
    const said = page.locator('#restore-result .message.success');
    await said.waitFor();
    assert.match(await said.innerText(), new RegExp(`^jobs restored from ${file}: [\\d,]+ rows\\.$`));
    await assertAnnounced('#restore-result .message.success');
    await assertFocus('button "Restore"');
  });

  await step('with the keyboard alone: ArrowDown and Enter show the reports of 2020, Space those of 2021', async () => {
    await tabTo('#year');
    assert.equal(await page.locator('#year').inputValue(), '2021');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#year').inputValue(), '2020');
    await page.keyboard.press('Enter');
    await page.locator('#reports-status .message.success', { hasText: 'Reports of 2020.' }).waitFor();
    assert.equal(await text('#quarters-table tbody'), 'No hires in 2020.');
    await assertAnnounced('#reports-status .message');
    await assertAnnounced('#quarters-table table');
    await assertFocus('#year');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Tab');
    await assertFocus('button "Show the reports"');
    await page.keyboard.press('Space');
    await page.locator('#reports-status .message.success', { hasText: 'Reports of 2021.' }).waitFor();
    assert.ok(await page.locator('#quarters-table tbody tr').count() > 1);
    await assertFocus('button "Show the reports"');
    await page.keyboard.press('Tab');
    await assertFocus('div "Hires per quarter of 2021, by department and job"');
  });

  await step('every control, link and table is reached by Tab in document order, with a visible focus', async () => {
    const reached = await assertTabWalk();
    for (const name of [
      'div "Backups in the backup folder, newest first"',
      'button "Show the reports"',
      'div "Hires per quarter of 2021, by department and job"',
      'div "Departments that hired more than the mean in 2021"',
    ]) {
      assert.ok(reached.includes(name), `${name} in ${reached.join(', ')}`);
    }
  });
} catch {
  // Reported by the step.
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}

if (problems.length) console.log(`problems in the browser:\n  ${problems.join('\n  ')}`);
console.log(`browser: ${steps.length} passed, ${failed} failed`);
process.exit(failed || problems.length ? 1 : 0);
