// The rejects browser: the reject log (GET /api/v1/rejects), filtered by table, run, field,
// reason and source, a page at a time along the log's cursor (`next`, then `before`).

import { callJson } from './api.js';
import {
  busy, count, message, show, showError, table,
} from './render.js';

const byId = (id) => document.getElementById(id);
const FILTERS = ['table', 'run', 'field', 'reason', 'source', 'limit'];

/** The filters of the shown list, and the cursors of the pages before the one shown. */
const state = { query: null, cursors: [], next: null };

/** The query of the form's filters (empty ones left out). */
function formQuery() {
  const form = byId('rejects-form');
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = form.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  return query;
}

/** Shows the page of the log that starts below `before` (the newest page when null). */
async function showPage(before) {
  const region = byId('rejects-result');
  const query = new URLSearchParams(state.query);
  if (before !== null) query.set('before', before);
  try {
    const page = await callJson('GET', `/api/v1/rejects?${query}`);
    state.next = page.next;
    const first = state.cursors.length * Number(state.query.get('limit') ?? 50) + 1;
    const shown = page.rejects.length
      ? `${count(page.total)} rejected rows match; rows ${count(first)} to ${count(first + page.rejects.length - 1)}, newest first.`
      : 'No rejected row matches these filters.';
    show(region, message(shown, page.rejects.length ? 'success' : 'info'), rejectsTable(page.rejects));
  } catch (error) {
    state.next = null;
    showError(region, error);
  }
}

/**
 * Shows the paging buttons that lead somewhere (after `busy` gave the control back); the focus
 * of one that no longer does goes to the other.
 */
function updatePager() {
  const older = byId('rejects-older');
  const newer = byId('rejects-newer');
  byId('rejects-pages').hidden = state.next === null && state.cursors.length === 0;
  const focused = document.activeElement;
  older.disabled = state.next === null;
  newer.disabled = state.cursors.length === 0;
  if (focused === older && older.disabled && !newer.disabled) newer.focus();
  if (focused === newer && newer.disabled && !older.disabled) older.focus();
}

/** Runs `work` with `control` busy, then updates the paging buttons. */
async function paging(control, work) {
  await busy(control, byId('rejects-result'), work);
  updatePager();
}

function rejectsTable(rejects) {
  return table('Rejected rows, newest first', [
    ['Id', (r) => String(r.id), { numeric: true }],
    ['Run', (r) => (r.run === null ? '' : String(r.run)), { numeric: true }],
    ['Table', (r) => r.table],
    ['Source', (r) => r.source],
    ['Record', (r) => r.raw],
    ['Why', (r) => r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')],
    ['Recorded at', (r) => r.recorded_at],
  ], rejects, 'None.');
}

byId('rejects-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.query = formQuery();
  state.cursors = [];
  paging(event.currentTarget.querySelector('button[type=submit]'), () => showPage(null));
});

byId('rejects-older').addEventListener('click', (event) => {
  if (state.next === null) return;
  const before = state.next;
  state.cursors.push(before);
  paging(event.currentTarget, () => showPage(before));
});

byId('rejects-newer').addEventListener('click', (event) => {
  state.cursors.pop();
  const before = state.cursors.length ? state.cursors[state.cursors.length - 1] : null;
  paging(event.currentTarget, () => showPage(before));
});

/** Lists the rejects of run `run` (an upload's), from its summary. */
export function browseRun(run) {
  const form = byId('rejects-form');
  for (const name of FILTERS) {
    if (name !== 'limit') form.elements[name].value = '';
  }
  form.elements.run.value = String(run);
  form.requestSubmit();
  byId('rejects-heading').scrollIntoView();
}
