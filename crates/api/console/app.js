// The hiring console: every action is a call of the public API (see /docs/).

import { checkToken } from './access.js';
import {
  call, callJson, sendJson, setToken, token,
} from './api.js';
import { confirmAction } from './confirm.js';
import { browseRun } from './rejects.js';
import {
  busy, count, el, errorText, message, show, showError, table,
} from './render.js';

const TABLES = ['departments', 'jobs', 'hired_employees'];
const byId = (id) => document.getElementById(id);

/* ---------- Token ---------- */

/** Asks who the token is; lists the backups when it may (or when that could not be told). */
async function useToken() {
  const who = await checkToken();
  if (!token()) return;
  if (!who || who.allows.includes('list_backups')) await listBackups();
}

byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(byId('token').value.trim());
  byId('token').value = '';
  useToken();
});

byId('token-forget').addEventListener('click', () => {
  setToken('');
  checkToken();
});

/* ---------- Upload ---------- */

byId('upload-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const region = byId('upload-result');
  const chosen = TABLES
    .map((name) => [name, form.elements[name].files[0]])
    .filter(([, file]) => file);
  if (chosen.length === 0) {
    show(region, message('Choose at least one file to upload.', 'error'));
    return;
  }
  busy(form.querySelector('button[type=submit]'), region, () => upload(chosen, region));
});

async function upload(chosen, region) {
  const summaries = [];
  const progress = message('');
  // The bytes sent so far: not announced at each step (the message above them is).
  const bar = el('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-labelledby': 'upload-bytes' });
  const bytes = el('span', { id: 'upload-bytes' });
  const meter = el('p', { class: 'upload-meter', 'aria-live': 'off' }, bar, ' ', bytes);
  const total = chosen.reduce((sum, [, file]) => sum + file.size, 0);
  let done = 0;
  const sent = (now) => {
    const percent = total ? Math.floor((100 * (done + now)) / total) : 100;
    bar.value = percent;
    bytes.textContent = `${count(done + now)} of ${count(total)} bytes sent (${percent}%)`;
  };
  const render = (extra = []) => show(region, progress, meter, summaryTable(summaries), ...extra);
  try {
    sent(0);
    for (const [name, file] of chosen) {
      progress.textContent = `Uploading ${file.name} into ${name}…`;
      render();
      summaries.push(await sendJson('POST', `/api/v1/${name}/upload`, {
        body: file, type: 'text/csv', progress: (now) => sent(Math.min(now, file.size)),
      }));
      done += file.size;
    }
    sent(0);
    progress.textContent = `Uploaded ${summaries.length} file(s).`;
    progress.className = 'message success';
    const rejects = [];
    for (const summary of summaries.filter((s) => s.rejected > 0)) {
      rejects.push(await rejectTable(summary));
    }
    render(rejects);
  } catch (error) {
    render();
    region.append(message(errorText(error), 'error'));
  }
}

function summaryTable(summaries) {
  return table('What each upload did', [
    ['Table', (s) => s.table],
    ['Rows read', (s) => count(s.read), { numeric: true }],
    ['Inserted', (s) => count(s.inserted), { numeric: true }],
    ['Already present', (s) => count(s.already_present), { numeric: true }],
    ['Rejected', (s) => count(s.rejected), { numeric: true }],
    ['Seconds', (s) => s.seconds.toFixed(2), { numeric: true }],
  ], summaries, 'No file loaded yet.');
}

const REJECTS_SHOWN = 100;

/**
 * The rejected rows of one upload (its newest REJECTS_SHOWN), from the reject log, and a button
 * that lists them all in the rejects browser.
 */
async function rejectTable(summary) {
  const limit = Math.min(summary.rejected, REJECTS_SHOWN);
  const of = summary.run === null ? `table=${summary.table}` : `run=${summary.run}`;
  const log = await callJson('GET', `/api/v1/rejects?${of}&limit=${limit}`);
  const mine = log.rejects.filter((r) => r.source.startsWith(summary.source));
  const more = summary.rejected > mine.length ? ` (the newest ${mine.length} of ${count(summary.rejected)})` : '';
  const rows = table(`Rejected rows of ${summary.table}${more}`, [
    ['Line', (r) => r.source.slice(summary.source.length).replace(/^:/, '')],
    ['Record', (r) => r.raw],
    ['Why', (r) => reasons(r.errors)],
  ], mine, 'None.');
  if (summary.run === null) return rows;
  const browse = el('button', {
    type: 'button', class: 'secondary', text: `Browse the rejects of run ${summary.run}`,
  });
  browse.addEventListener('click', () => browseRun(summary.run));
  return el('div', {}, rows, browse);
}

function reasons(errors) {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}

/* ---------- Batch ---------- */

byId('batch-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const region = byId('batch-result');
  busy(form.querySelector('button[type=submit]'), region, async () => {
    const name = byId('batch-table').value;
    const text = byId('batch-rows').value.trim();
    const json = text.startsWith('[') || text.startsWith('{');
    try {
      const result = await callJson('POST', `/api/v1/${name}`, {
        body: text,
        type: json ? 'application/json' : 'text/csv',
      });
      show(region, batchSummary(result), batchTable(result, json ? sentIds(text) : []));
    } catch (error) {
      showError(region, error);
    }
  });
});

function batchSummary(result) {
  const rejected = result.rejected.length;
  return message(
    `${count(result.inserted)} of ${count(result.received)} row(s) inserted into ${result.table}`
      + (rejected ? `, ${rejected} rejected.` : '.'),
    rejected ? 'info' : 'success',
  );
}

/** The ids of the rows of a JSON batch, as sent. */
function sentIds(text) {
  try {
    const rows = JSON.parse(text);
    return Array.isArray(rows) ? rows.map((row) => row?.id ?? '') : [];
  } catch {
    return [];
  }
}

function batchTable(result, ids) {
  const rejected = new Map(result.rejected.map((r) => [r.index, r]));
  const rows = Array.from({ length: result.received }, (_, index) => ({ index, reject: rejected.get(index) }));
  return table('Result of each row', [
    ['Row', (r) => r.index + 1, { numeric: true }],
    ['Id', (r) => r.reject?.id ?? String(ids[r.index] ?? '')],
    ['Result', (r) => (r.reject ? 'rejected' : 'inserted')],
    ['Why', (r) => (r.reject ? reasons(r.reject.errors) : '')],
  ], rows);
}

/* ---------- Backups and restores ---------- */

let backups = [];
let sets = [];

/** A codec as the backup form names it: `null` is "none". */
const codecName = (codec) => (codec === 'null' ? 'none' : codec);

byId('backup-now').addEventListener('click', (event) => {
  const region = byId('backup-result');
  busy(event.currentTarget, region, async () => {
    show(region, message('Backing up…'));
    try {
      const written = await callJson('POST', '/api/v1/backups', {
        body: JSON.stringify({ tables: TABLES, codec: byId('backup-codec').value }),
        type: 'application/json',
      });
      const files = written.files.map((f) => `${f.file} (${count(f.rows)} rows)`).join(', ');
      show(region, message(`Backed up ${written.files.length} table(s): ${files}.`, 'success'));
      await listBackups();
    } catch (error) {
      showError(region, error);
    }
  });
});

byId('backup-refresh').addEventListener('click', (event) => {
  busy(event.currentTarget, byId('backup-list'), listBackups);
});

async function listBackups() {
  const region = byId('backup-list');
  try {
    ({ backups, sets } = await callJson('GET', '/api/v1/backups'));
    show(region, table('Backups in the backup folder, newest first', [
      ['Table', (b) => b.table],
      ['File', (b) => b.file],
      ['Rows', (b) => count(b.rows), { numeric: true }],
      ['Taken (UTC)', (b) => b.created_at ?? ''],
      ['Bytes', (b) => count(b.size), { numeric: true }],
      ['Compression', (b) => codecName(b.codec)],
    ], backups, 'No backup yet.'));
  } catch (error) {
    backups = [];
    sets = [];
    showError(region, error);
  }
  fillRestoreChoices();
  fillSetChoices();
}

function fillSetChoices() {
  const options = sets.length
    ? sets.map((s) => el('option', {
      value: s.id,
      disabled: !s.complete,
      text: `${s.id} (${s.tables.join(', ')}; ${count(s.rows)} rows)${s.complete ? '' : `: incomplete, ${s.problem ?? ''}`}`,
    }))
    : [el('option', { value: '', text: '(no backup set)' })];
  byId('restore-set').replaceChildren(...options);
}

function fillRestoreChoices() {
  const name = byId('restore-table').value;
  const mine = backups.filter((b) => b.table === name);
  const options = mine.length
    ? mine.map((b) => el('option', { value: b.file, text: `${b.file} (${count(b.rows)} rows)` }))
    : [el('option', { value: '', text: `(no backup of ${name})` })];
  byId('restore-file').replaceChildren(...options);
}

byId('restore-table').addEventListener('change', fillRestoreChoices);

byId('restore-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const region = byId('restore-result');
  busy(form.querySelector('button[type=submit]'), region, async () => {
    const name = byId('restore-table').value;
    const file = byId('restore-file').value;
    if (!file) {
      show(region, message(`Choose a backup of ${name} (list the backups first).`, 'error'));
      return;
    }
    try {
      if (!await confirmRestore(name, file)) return;
      const result = await callJson('POST', `/api/v1/${name}/restore`, {
        body: JSON.stringify({ file }),
        type: 'application/json',
      });
      const [restored] = result.tables;
      show(region, message(
        `${restored.table} restored from ${restored.file}: ${count(restored.rows)} rows.`, 'success'));
    } catch (error) {
      showError(region, error);
    }
  });
});

byId('restore-set-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const region = byId('restore-set-result');
  busy(form.querySelector('button[type=submit]'), region, async () => {
    const set = sets.find((s) => s.id === byId('restore-set').value && s.complete);
    if (!set) {
      show(region, message('Choose a complete backup set (list the backups first).', 'error'));
      return;
    }
    try {
      if (!await confirmSetRestore(set)) return;
      const result = await callJson('POST', '/api/v1/restore', {
        body: JSON.stringify({ all: true, set: set.id }),
        type: 'application/json',
      });
      const tables = result.tables.map((t) => `${t.table} ${count(t.rows)} rows`).join(', ');
      show(region, message(`Backup set ${result.set ?? set.id} restored: ${tables}.`, 'success'));
    } catch (error) {
      showError(region, error);
    }
  });
});

const UNDONE = 'This cannot be undone (unless from another backup).';

/** Asks before replacing every table of `set`: the rows they hold now and the set's. */
async function confirmSetRestore(set) {
  const now = new Map((await callJson('GET', '/api/v1/tables')).map((t) => [t.table, t.rows]));
  const held = (rows) => rows.map(([table, n]) => `${table} ${count(n)}`).join(', ');
  return confirmAction(
    `Restore the backup set ${set.id}?`,
    `Every table of the set will be replaced. Rows now: ${held(set.tables.map((t) => [t, now.get(t)]))}. `
      + `Rows in the set: ${held(set.files.map((f) => [f.table, f.rows]))}. ${UNDONE}`,
    'Replace every table',
  );
}

/** Asks before replacing `name`: the rows it holds now (GET /api/v1/tables) and the file's. */
async function confirmRestore(name, file) {
  const tables = await callJson('GET', '/api/v1/tables');
  const now = tables.find((t) => t.table === name)?.rows;
  const rows = backups.find((b) => b.file === file)?.rows;
  const theirs = typeof rows === 'number' ? `the ${count(rows)} rows` : 'the rows';
  return confirmAction(
    `Restore ${name}?`,
    `The ${count(now)} rows ${name} holds now will be replaced by ${theirs} of the backup file ${file}. `
      + UNDONE,
    'Replace the rows',
  );
}

/* ---------- Reports ---------- */

const chartUrls = new Map();

byId('reports-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  busy(form.querySelector('button[type=submit]'), byId('reports-status'), showReports);
});

async function showReports() {
  const status = byId('reports-status');
  const input = byId('year');
  const year = Number(input.value);
  if (!Number.isInteger(year) || year < 1900 || year > 2100) {
    show(status, message('The year must be a whole number from 1900 to 2100.', 'error'));
    input.focus();
    return;
  }
  show(status, message(`Loading the reports of ${year}…`));
  const results = await Promise.allSettled([
    report('hires-by-quarter', year, 'quarters', (rows) => table(
      `Hires per quarter of ${year}, by department and job`,
      [
        ['Department', (r) => r.department],
        ['Job', (r) => r.job],
        ...['Q1', 'Q2', 'Q3', 'Q4'].map((q) => [q, (r) => count(r[q]), { numeric: true }]),
      ],
      rows,
      `No hires in ${year}.`,
    ), `Bar chart of the hires of ${year} per department, each bar stacked from its quarters, with its total`),
    report('departments-above-mean', year, 'above', (rows) => table(
      `Departments that hired more than the mean in ${year}`,
      [
        ['Id', (r) => r.id, { numeric: true }],
        ['Department', (r) => r.department],
        ['Hired', (r) => count(r.hired), { numeric: true }],
      ],
      rows,
      `No department hired more than the mean in ${year}.`,
    ), `Bar chart of every department's hires in ${year}, those above the mean highlighted, with the mean as a line`),
  ]);
  const failed = results.filter((r) => r.status === 'rejected');
  show(status, failed.length
    ? message(failed.map((r) => errorText(r.reason)).join(' '), 'error')
    : message(`Reports of ${year}.`, 'success'));
}

/** One report: its rows as a table, and its chart (fetched as a blob, shown as an image). */
async function report(path, year, id, render, description) {
  const region = byId(`${id}-table`);
  const image = byId(`${id}-chart`);
  try {
    const query = `year=${year}`;
    const [rows, chart] = await Promise.all([
      callJson('GET', `/api/v1/reports/${path}?${query}&format=json`),
      call('GET', `/api/v1/reports/${path}?${query}&format=svg`).then((r) => r.blob()),
    ]);
    show(region, render(rows));
    const url = URL.createObjectURL(chart);
    if (chartUrls.has(id)) URL.revokeObjectURL(chartUrls.get(id));
    chartUrls.set(id, url);
    image.alt = description;
    image.src = url;
    image.hidden = false;
  } catch (error) {
    image.hidden = true;
    showError(region, error);
    throw error;
  }
}

/* ---------- Start ---------- */

if (token()) useToken();
else {
  checkToken();
  show(byId('backup-list'), message('Enter the API token to list the backups.'));
}
fillRestoreChoices();
showReports();
