// Drives the hiring web console in Debian's headless Chromium through playwright-core (no browser
// is ever downloaded). Started by scripts/browser_test.sh, which runs the server; reads:
//   HIRING_URL      the server, e.g. http://127.0.0.1:8080
//   HIRING_TOKEN    its API token
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

const base = required('HIRING_URL');
const apiToken = required('HIRING_TOKEN');
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

  await step('the token is kept for the tab', async () => {
    await page.getByRole('textbox', { name: 'API token' }).fill(apiToken);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.locator('#token-status', { hasText: 'A token is set' }).waitFor();
    await page.locator('#backup-list', { hasText: 'No backup yet' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hiring.apiToken')), apiToken);
  });

  await step('the three CSV files upload, with their summaries and rejected rows', async () => {
    for (const table of ['departments', 'jobs', 'hired_employees']) {
      await page.getByLabel(`${table}.csv`).setInputFiles(join(csvDir, `${table}.csv`));
    }
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#upload-result', { hasText: 'Uploaded 3 file(s).' }).waitFor();
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

  await step('a table is restored from a listed backup', async () => {
    await page.getByLabel('Table', { exact: true }).last().selectOption('jobs');
    const choices = await page.locator('#restore-file option').evaluateAll((options) => options.map((o) => o.value));
    assert.deepEqual(choices, [jobsBackup]);
    await page.getByLabel('Backup', { exact: true }).selectOption(jobsBackup);
    await page.getByRole('button', { name: 'Restore' }).click();
    const said = page.locator('#restore-result .message.success');
    await said.waitFor();
    assert.match(await said.innerText(), new RegExp(`^jobs restored from ${jobsBackup}: [\\d,]+ rows\\.$`));
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
} catch {
  // Reported by the step.
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}

if (problems.length) console.log(`problems in the browser:\n  ${problems.join('\n  ')}`);
console.log(`browser: ${steps.length} passed, ${failed} failed`);
process.exit(failed || problems.length ? 1 : 0);
