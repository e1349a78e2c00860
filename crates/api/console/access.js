// What the entered token may do: the server says who it is (GET /api/v1/whoami); the controls
// of an action its role does not allow (marked `data-action` in the page) are disabled, and the
// note marked `data-note-for` the action says why.

import {
  FORBIDDEN_EVENT, callJson, setToken, token, tokenOf,
} from './api.js';
import { el, errorText, message, show } from './render.js';

/** The actions the server names, in words; an unknown one shows its machine name. */
const WORDS = {
  read_reports: 'read the reports',
  read_rejects: 'read the reject log',
  list_backups: 'list the backups',
  ingest_batches: 'insert batches',
  upload_files: 'upload files',
  back_up: 'back up',
  restore: 'restore tables',
  prune_backups: 'prune old backups',
  read_audit: 'read the audit log',
};

const words = (name) => WORDS[name] ?? name.replaceAll('_', ' ');

/** Answers of older checks are dropped: only the newest token's counts. */
let checks = 0;

/**
 * Asks the server who the token of this tab is, shows it under "API token" and disables what
 * it may not do. Answers what the server said (`name`, `role`, `allows`, `actions`), or null
 * when there is no token or the check failed; a refused token (401) is forgotten.
 */
export async function checkToken() {
  const check = ++checks;
  const status = document.getElementById('token-status');
  if (!token()) {
    apply(null);
    show(status, message('No token is set: reads work, writes, backups and restores will be refused.'));
    return null;
  }
  show(status, message('Checking the token…'));
  try {
    const who = await callJson('GET', '/api/v1/whoami');
    if (check !== checks) return null;
    apply(who);
    show(status, ...describe(who));
    return who;
  } catch (error) {
    if (check !== checks) return null;
    apply(null);
    if (error.status === 401) {
      setToken('');
      show(status, message(`${errorText(error)} The token has been forgotten.`, 'error'));
    } else {
      show(status, message(`What the token allows could not be checked. ${errorText(error)}`, 'error'));
    }
    return null;
  }
}

/** "Signed in as NAME (ROLE)", what the token may do, and what needs another role. */
function describe(who) {
  const actions = Array.isArray(who.actions) ? who.actions : [];
  const denied = actions.filter((action) => !action.allowed);
  const byRole = new Map();
  for (const action of denied) {
    byRole.set(action.needs, [...(byRole.get(action.needs) ?? []), words(action.name)]);
  }
  const lines = [
    message(`Signed in as ${who.name} (${who.role}).`, 'success'),
    el('p', { class: 'access-list', text: `This token may ${list(who.allows.map(words))}.` }),
  ];
  if (byRole.size) {
    const needs = [...byRole].map(([role, names]) => `${list(names)} (need ${tokenOf(role)})`);
    lines.push(el('p', { class: 'access-list', text: `Not with this token: ${needs.join('; ')}.` }));
  }
  return lines;
}

/** "a, b and c". */
function list(items) {
  if (items.length === 0) return 'do nothing';
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * Enables the controls of the actions `who` allows, and disables those of the others with
 * their note; `null` (no token, or unknown) enables every control and hides every note.
 */
function apply(who) {
  const needs = new Map((who?.actions ?? []).filter((a) => !a.allowed).map((a) => [a.name, a.needs]));
  for (const control of document.querySelectorAll('[data-action]')) {
    const needed = needs.get(control.dataset.action);
    const note = document.querySelector(`[data-note-for="${control.dataset.action}"]`);
    if (needed) {
      control.dataset.denied = '';
      control.disabled = true;
      if (note) control.setAttribute('aria-describedby', note.id);
    } else if ('denied' in control.dataset) {
      delete control.dataset.denied;
      control.disabled = false;
      control.removeAttribute('aria-describedby');
    }
  }
  for (const note of document.querySelectorAll('[data-note-for]')) {
    const needed = needs.get(note.dataset.noteFor);
    note.hidden = !needed;
    note.textContent = needed
      ? `Needs ${tokenOf(needed)}: the token "${who.name}" has the ${who.role} role.`
      : '';
  }
}

// A refusal may mean the token's role changed on the server: ask again.
window.addEventListener(FORBIDDEN_EVENT, () => { checkToken(); });
