/**
 * The screens that end a session: the loud refusal of a changed server key (both fingerprints,
 * as OpenSSH shows them) and the other fatal errors (name_taken, invalid_name, name_limit,
 * replaced), each with what the user can do next (connection-ui.ts decides what).
 */
import { sanitize } from '../client/text.js';
import { byId, setFingerprint, showScreen } from './dom.js';
import { IDENTITY_KEY, nameProblem, type StoredIdentity } from './key-store.js';
import type { KeyValueStore } from './kv.js';
import type { FatalView } from './connection-ui.js';
import type { PinBook } from './pins.js';

/**
 * Shows the changed-key warning for `pins.mismatch`. The user may trust the new key only after
 * ticking that they checked it with the operator; the page then reloads. Throws Error when
 * there is no mismatch to show.
 */
export function showKeyChanged(pins: PinBook): void {
  const m = pins.mismatch;
  if (!m) throw new Error('no changed server key to show');
  showScreen('screen-keychanged');
  document.title = "⚠ Server key changed — Parley";
  byId('kc-server', HTMLElement).textContent = sanitize(m.server);
  // both broken at the same places on a narrow screen, so they can be compared group by group
  setFingerprint(byId('kc-pinned', HTMLElement), sanitize(m.pinned));
  setFingerprint(byId('kc-presented', HTMLElement), sanitize(m.presented));
  const confirm = byId('kc-confirm', HTMLInputElement);
  const trust = byId('kc-trust', HTMLButtonElement);
  confirm.checked = false;
  trust.disabled = true;
  confirm.addEventListener('change', () => (trust.disabled = !confirm.checked));
  trust.addEventListener('click', () => {
    if (!confirm.checked) return;
    pins.trustPresented().then(() => location.reload(), () => undefined);
  });
}

/**
 * Shows the fatal screen `view` (connection-ui.ts's fatalView) with a "Try again" button
 * (reloads) and, when `view.askName` (name_taken, invalid_name), a form that stores another name
 * and reconnects. Never throws for a present page.
 */
export function showFatal(view: FatalView, store: KeyValueStore, stored: StoredIdentity): void {
  showScreen('screen-fatal');
  byId('fatal-title', HTMLElement).textContent = view.title;
  const message = byId('fatal-message', HTMLElement);
  message.textContent = view.message;
  // the code, for whoever reports the problem; the words are what is shown
  message.dataset.code = view.code;
  message.title = `error code: ${view.code}`;
  byId('fatal-hint', HTMLElement).textContent = view.hint;
  byId('fatal-retry', HTMLButtonElement).addEventListener('click', () => location.reload());
  const form = byId('rename-form', HTMLFormElement);
  form.hidden = !view.askName;
  if (form.hidden) return;
  const input = byId('rename-name', HTMLInputElement);
  const error = byId('rename-error', HTMLParagraphElement);
  input.focus();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    const problem = nameProblem(name);
    input.setAttribute('aria-invalid', String(problem !== undefined));
    if (problem) {
      error.textContent = `${problem.charAt(0).toUpperCase()}${problem.slice(1)}`;
      return;
    }
    store.put(IDENTITY_KEY, { ...stored, name }).then(
      () => location.reload(),
      (err: unknown) => (error.textContent = `Could not save the name: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
}
