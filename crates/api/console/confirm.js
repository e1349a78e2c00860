// Asking before something that cannot be undone: the page's <dialog id="confirm-dialog">.

const byId = (id) => document.getElementById(id);

/**
 * Opens the confirmation dialog with `heading`, `text` and `action` (the confirming button's
 * label); answers true when that button is pressed, false on Cancel or Escape. The focus starts
 * on Cancel, and goes back where it was when the dialog closes.
 */
export function confirmAction(heading, text, action) {
  const dialog = byId('confirm-dialog');
  byId('confirm-heading').textContent = heading;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = action;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
    byId('confirm-cancel').focus();
  });
}

byId('confirm-cancel').addEventListener('click', () => byId('confirm-dialog').close('cancel'));
byId('confirm-ok').addEventListener('click', () => byId('confirm-dialog').close('confirm'));
