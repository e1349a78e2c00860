// Building the console's output: text only (never HTML from the server), accessible tables.

/** A new element with attributes (`class`, `text` and plain attributes) and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}

/**
 * A table with a caption: `columns` are [heading, (row) => cell text, options?] where options may
 * say `{ numeric: true }`. An empty `rows` shows `empty` in a single cell.
 */
export function table(caption, columns, rows, empty = 'Nothing to show.') {
  const head = el('tr', {}, ...columns.map(([heading, , options]) =>
    el('th', { scope: 'col', class: options?.numeric ? 'numeric' : undefined, text: heading })));
  const body = rows.length === 0
    ? [el('tr', {}, el('td', { colspan: columns.length, text: empty }))]
    : rows.map((row) => el('tr', {}, ...columns.map(([, cell, options]) =>
      el('td', { class: options?.numeric ? 'numeric' : undefined, text: cell(row) ?? '' }))));
  // Scrolls when long: focusable, so that keyboard users can scroll it too.
  return el('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': caption },
    el('table', {}, el('caption', { text: caption }), el('thead', {}, head), el('tbody', {}, ...body)));
}

/** Replaces the contents of `region` with `nodes`. */
export function show(region, ...nodes) {
  region.replaceChildren(...nodes);
}

/** A one-line message: `kind` is 'info', 'success' or 'error'. */
export function message(text, kind = 'info') {
  return el('p', { class: `message ${kind}`, text: kind === 'error' ? `Error: ${text}` : text });
}

/** What `error` (an ApiError or any failure) means, in words. */
export function errorText(error) {
  return error?.name === 'ApiError'
    ? error.message
    : `Something went wrong in the console: ${error?.message ?? error}`;
}

/** Shows `error` in `region`, in words. */
export function showError(region, error) {
  show(region, message(errorText(error), 'error'));
}

/** A number with thousands separators. */
export function count(n) {
  return typeof n === 'number' ? n.toLocaleString('en') : '';
}

/**
 * Disables `control` while `work` runs, marking `region` busy. A disabled control loses the
 * focus (to the page), so the focus is given back to it afterwards when it had it and nothing
 * else took it meanwhile: a keyboard user stays where they were. A control the token was found
 * meanwhile not to allow (`data-denied`) stays disabled.
 */
export async function busy(control, region, work) {
  const hadFocus = document.activeElement === control;
  control.disabled = true;
  region.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    control.disabled = 'denied' in control.dataset;
    region.removeAttribute('aria-busy');
    const now = document.activeElement;
    if (hadFocus && (now === null || now === document.body)) control.focus();
  }
}
