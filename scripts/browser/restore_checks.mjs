// The confirmation a restore asks for: the dialog names the table, the rows it holds now and the
// rows of the chosen backup file; Cancel changes nothing. Used by console_test.mjs.

import assert from 'node:assert/strict';

/** The rows each table holds now, asked of the server with the tab's token. */
export async function tableRows(page) {
  return page.evaluate(async () => {
    const response = await fetch('/api/v1/tables', {
      headers: { Authorization: `Bearer ${sessionStorage.getItem('hiring.apiToken')}` },
      cache: 'no-store',
    });
    return Object.fromEntries((await response.json()).map((t) => [t.table, t.rows]));
  });
}

/**
 * Waits for the restore's dialog and asserts what it says of `table` and `file`: the rows the
 * table holds now (`now`) and the rows the file holds, as the backup listing says.
 */
export async function assertRestoreDialog(page, table, file, now) {
  const dialog = page.getByRole('dialog', { name: `Restore ${table}?` });
  await dialog.waitFor();
  const listed = await page.locator('#backup-list tbody tr', { hasText: file }).locator('td').nth(2).innerText();
  const said = await page.locator('#confirm-text').innerText();
  assert.equal(
    said,
    `The ${now.toLocaleString('en')} rows ${table} holds now will be replaced by the ${listed} rows `
      + `of the backup file ${file}. This cannot be undone (unless from another backup).`,
  );
  return dialog;
}

/** Presses Restore for `table` and `file`, then Cancel: no restore is sent, nothing changes. */
export async function checkRestoreCancel(page, table, file) {
  const before = await tableRows(page);
  const sent = [];
  const watch = (request) => {
    if (request.method() === 'POST' && request.url().includes('/restore')) sent.push(request.url());
  };
  page.on('request', watch);
  try {
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const dialog = await assertRestoreDialog(page, table, file, before[table]);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel', 'the focus starts on Cancel');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => !document.querySelector('#restore-form button[type=submit]').disabled);
  } finally {
    page.off('request', watch);
  }
  assert.deepEqual(sent, [], 'Cancel sent no restore');
  assert.equal(await page.locator('#restore-result').innerText(), '', 'nothing is said restored');
  assert.deepEqual(await tableRows(page), before, 'the tables hold what they held');
}

/** Restores the newest backup set, once its dialog is confirmed: every table is replaced. */
export async function checkSetRestore(page) {
  const set = page.locator('#restore-set');
  const id = await set.inputValue();
  assert.match(id, /^\d{8}T\d{6}Z/);
  assert.match(await set.locator('option:checked').innerText(), /\(departments, jobs, hired_employees; [\d,]+ rows\)$/);
  const before = await tableRows(page);
  await page.getByRole('button', { name: 'Restore the whole set' }).click();
  const dialog = page.getByRole('dialog', { name: `Restore the backup set ${id}?` });
  await dialog.waitFor();
  const now = Object.entries(before).map(([table, n]) => `${table} ${n.toLocaleString('en')}`).join(', ');
  assert.match(await page.locator('#confirm-text').innerText(), new RegExp(
    `^Every table of the set will be replaced\\. Rows now: ${now}\\. Rows in the set: departments [\\d,]+, jobs [\\d,]+, hired_employees [\\d,]+\\. `,
  ));
  await dialog.getByRole('button', { name: 'Replace every table' }).click();
  const said = page.locator('#restore-set-result .message.success');
  await said.waitFor();
  assert.match(await said.innerText(), new RegExp(
    `^Backup set ${id} restored: departments [\\d,]+ rows, jobs [\\d,]+ rows, hired_employees [\\d,]+ rows\\.$`,
  ));
}
