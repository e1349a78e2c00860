// The rejects browser: filters, the total, paging along the cursor both ways, and the way in
// from an upload's summary. Used by console_test.mjs once the CSV files are uploaded.

import assert from 'node:assert/strict';

/** The reject log's answer to `query`, asked of the server with the tab's token. */
async function logOf(page, query) {
  return page.evaluate(async (q) => {
    const response = await fetch(`/api/v1/rejects?${q}`, {
      headers: { Authorization: `Bearer ${sessionStorage.getItem('hiring.apiToken')}` },
      cache: 'no-store',
    });
    return response.json();
  }, query);
}

/** The ids of the rows the browser shows. */
async function shownIds(page) {
  const cells = await page.locator('#rejects-result tbody tr td:first-child').allInnerTexts();
  return cells.map(Number);
}

/** Waits until the browser's status line says `pattern`, and answers it. */
async function status(page, pattern) {
  const line = page.locator('#rejects-result .message', { hasText: pattern });
  await line.waitFor();
  return line.innerText();
}

/** Filters by table and field, pages older and newer, then lists one upload's run. */
export async function checkRejectsBrowser(page) {
  const section = page.locator('#rejects-section');
  await section.getByLabel('Rows meant for').selectOption('hired_employees');
  await section.getByLabel('Field').fill('datetime');
  await section.getByLabel('Rows per page').selectOption('25');
  await section.getByRole('button', { name: 'Show the rejected rows' }).click();
  const expected = await logOf(page, 'table=hired_employees&field=datetime&limit=25');
  assert.ok(expected.total > 0, 'the uploads logged datetime rejects');
  const first = await status(page, /rejected rows match/);
  assert.match(first, new RegExp(`^${expected.total.toLocaleString('en')} rejected rows match; rows 1 to `));
  assert.deepEqual(await shownIds(page), expected.rejects.map((r) => r.id));
  const why = await page.locator('#rejects-result tbody tr td:nth-child(6)').allInnerTexts();
  assert.ok(why.every((w) => w.includes('datetime: ')), why.join(' | '));

  // Every filter off, 25 a page: the log holds more than a page, so it pages both ways.
  await section.getByLabel('Rows meant for').selectOption('');
  await section.getByLabel('Field').fill('');
  await section.getByRole('button', { name: 'Show the rejected rows' }).click();
  await status(page, /rows 1 to 25,/);
  const newest = await shownIds(page);
  assert.equal(newest.length, 25);
  await section.getByRole('button', { name: 'Older rows' }).click();
  await status(page, /rows 26 to /);
  const older = await shownIds(page);
  assert.ok(older.length > 0 && Math.max(...older) < Math.min(...newest), `${older} after ${newest}`);
  assert.equal(await section.getByRole('button', { name: 'Newer rows' }).isEnabled(), true);
  await section.getByRole('button', { name: 'Newer rows' }).click();
  await status(page, /rows 1 to 25,/);
  assert.deepEqual(await shownIds(page), newest);
  assert.equal(await section.getByRole('button', { name: 'Newer rows' }).isDisabled(), true);

  // From the upload's summary: the rejects of its run, and only them.
  const browse = page.locator('#upload-result button', { hasText: /^Browse the rejects of run \d+$/ }).last();
  const run = Number((await browse.innerText()).match(/\d+$/)[0]);
  await browse.click();
  await status(page, /rejected rows match|No rejected row/);
  assert.equal(await section.getByLabel('Run').inputValue(), String(run));
  const runs = await page.locator('#rejects-result tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(runs.length > 0 && runs.every((r) => Number(r) === run), runs.join(' '));

  // A filter matching nothing says so.
  await section.getByLabel('Reason contains').fill('no reason says this');
  await section.getByRole('button', { name: 'Show the rejected rows' }).click();
  await status(page, 'No rejected row matches these filters.');
  await section.getByLabel('Reason contains').fill('');
  await section.getByLabel('Run').fill('');
}
