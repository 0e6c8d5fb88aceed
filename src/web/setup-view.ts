/**
 * The first-visit screen (choose a name and an optional passphrase, generate the key in a
 * worker with a progress bar) and the returning-visit screen (unlock with the passphrase, or
 * forget the identity). Each resolves with the unlocked key and its stored record.
 */
import { isRsaError } from '../rsa/errors.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { byId, setFingerprint, showScreen } from './dom.js';
import { generateInWorker } from './keygen-client.js';
import { forgetIdentity, PASSPHRASE_RULE, saveIdentity, setupProblems, unlockIdentity, type SetupField, type StoredIdentity } from './key-store.js';
import type { KeyValueStore } from './kv.js';
import { memoryKey } from './memory.js';
import { serverUrlFor } from './socket-browser.js';

/** An identity ready to connect with. */
export interface Unlocked {
  key: RsaPrivateKey;
  stored: StoredIdentity;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Shows the first-visit screen until the user has made a key; resolves once it is stored.
 * Never rejects: failures are shown on the form and the user may try again.
 */
export function runSetup(store: KeyValueStore): Promise<Unlocked> {
  showScreen('screen-setup');
  const form = byId('setup-form', HTMLFormElement);
  const name = byId('setup-name', HTMLInputElement);
  const pass = byId('setup-pass', HTMLInputElement);
  const pass2 = byId('setup-pass2', HTMLInputElement);
  const bits = byId('setup-bits', HTMLSelectElement);
  const error = byId('setup-error', HTMLParagraphElement);
  const go = byId('setup-go', HTMLButtonElement);
  const box = byId('setup-progress-box', HTMLDivElement);
  const bar = byId('setup-progress', HTMLProgressElement);
  const status = byId('setup-status', HTMLParagraphElement);
  // each field's error sits right under it and is tied to it (aria-describedby, aria-invalid)
  const fields: Record<SetupField, HTMLInputElement> = { name, pass, pass2 };
  const errorOf = (f: SetupField) => byId(`setup-${f}-error`, HTMLParagraphElement);
  const clearField = (f: SetupField) => {
    errorOf(f).textContent = '';
    fields[f].removeAttribute('aria-invalid');
  };
  byId('setup-pass-rule', HTMLElement).textContent = `Use ${PASSPHRASE_RULE}.`;
  for (const f of ['name', 'pass', 'pass2'] as const)
    fields[f].addEventListener('input', () => {
      clearField(f);
      if (f !== 'name') clearField(f === 'pass' ? 'pass2' : 'pass');
      error.textContent = '';
    });
  name.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (go.disabled) return;
      const problems = setupProblems(name.value.trim(), pass.value, pass2.value);
      for (const f of ['name', 'pass', 'pass2'] as const) clearField(f);
      for (const p of problems) {
        errorOf(p.field).textContent = p.message;
        fields[p.field].setAttribute('aria-invalid', 'true');
      }
      if (problems.length) {
        fields[problems[0]!.field].focus();
        return;
      }
      error.textContent = '';
      const inputs = [name, pass, pass2, bits, go];
      for (const i of inputs) i.disabled = true;
      box.hidden = false;
      bar.value = 0;
      const started = performance.now();
      const n = Number(bits.value);
      status.textContent = `Searching for two ${n / 2}-bit primes…`;
      generateInWorker(n, (f) => {
        bar.value = f;
        status.textContent = f >= 0.97 ? 'Checking the key…' : `Searching for two ${n / 2}-bit primes… ${Math.round(f * 100)} %`;
      })
        .then(async (key) => {
          status.textContent = pass.value ? 'Encrypting the key with your passphrase…' : 'Saving the key in this browser…';
          const stored = await saveIdentity(store, key, name.value.trim(), pass.value);
          status.textContent = `Key made in ${((performance.now() - started) / 1000).toFixed(1)} s: ${stored.fingerprint}`;
          pass.value = pass2.value = '';
          resolve({ key, stored });
        })
        .catch((err: unknown) => {
          error.textContent = `Could not make your key: ${message(err)}`;
          box.hidden = true;
          for (const i of inputs) i.disabled = false;
        });
    });
  });
}

/**
 * Shows the unlock screen for an encrypted identity until the passphrase is right; resolves with
 * the key. When the user forgets the identity instead, it is deleted and the page reloads.
 * Never rejects.
 */
export function runUnlock(store: KeyValueStore, stored: StoredIdentity): Promise<Unlocked> {
  showScreen('screen-unlock');
  byId('unlock-name', HTMLElement).textContent = stored.name;
  setFingerprint(byId('unlock-fp', HTMLElement), stored.fingerprint);
  const pass = byId('unlock-pass', HTMLInputElement);
  const error = byId('unlock-error', HTMLParagraphElement);
  const go = byId('unlock-go', HTMLButtonElement);
  const confirm = byId('forget-confirm', HTMLInputElement);
  const forget = byId('forget-go', HTMLButtonElement);
  confirm.addEventListener('change', () => (forget.disabled = !confirm.checked));
  forget.addEventListener('click', () => {
    if (!confirm.checked) return;
    // what the page remembered for this identity on this server (rooms, threads) goes with it
    Promise.all([forgetIdentity(store), store.delete(memoryKey(serverUrlFor(location), stored.fingerprint))]).then(
      () => location.reload(),
      (e: unknown) => (error.textContent = `Could not delete the key: ${message(e)}`),
    );
  });
  pass.focus();
  return new Promise((resolve) => {
    byId('unlock-form', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      if (go.disabled) return;
      go.disabled = true;
      error.textContent = 'Unlocking…';
      unlockIdentity(stored, pass.value)
        .then((key) => {
          pass.value = '';
          error.textContent = '';
          resolve({ key, stored });
        })
        .catch((err: unknown) => {
          error.textContent = isRsaError(err, 'RSA_BAD_PASSPHRASE') ? 'Wrong passphrase.' : `Cannot unlock the key: ${message(err)}`;
          pass.select();
          pass.setAttribute('aria-invalid', 'true');
        })
        .finally(() => (go.disabled = false));
    });
  });
}
