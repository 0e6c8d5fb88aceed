/**
 * DOM helpers of the web client. Every text goes in through `textContent` (never innerHTML), so
 * nothing another user sends can become markup; names and messages are also passed through
 * the terminal client's `sanitize` where they are shown, which makes control and bidirectional
 * characters visible instead of letting them reorder the line ("Trojan Source").
 */
import { nameColor } from '../client/format.js';

type Attrs = Record<string, string | boolean | undefined>;

/**
 * Creates `<tag>` with attributes (`class`, `aria-*`, …; `true` sets an empty attribute, false or
 * undefined none) and children (strings become text nodes). Throws DOMException for an invalid tag.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) e.setAttribute(k, '');
    else if (typeof v === 'string') e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** The element with `id`, of the expected kind. Throws Error when it is missing (a broken page). */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof kind)) throw new Error(`the page lacks #${id}`);
  return e;
}

/** Removes every child of `e`. */
export function clear(e: Element): void {
  e.replaceChildren();
}

/** The CSS class of a name's stable colour: `nc-31` … `nc-96` (the terminal client's 12 colours). Never throws. */
export function nameClass(name: string): string {
  return `nc-${nameColor(name)}`;
}

/** Makes one screen (a `<section>` with class `screen`) visible and hides the others. Throws when `id` is missing. */
export function showScreen(id: string): void {
  document.querySelectorAll<HTMLElement>('section.screen').forEach((s) => (s.hidden = s.id !== id));
  byId(id, HTMLElement).hidden = false;
}

/** A key fingerprint as the page shows it: `SHA256:` and 43 Base64 characters (src/rsa/fingerprint.ts). */
export const FINGERPRINT_RE = /SHA256:[A-Za-z0-9+/]{43}/g;

/** A fingerprint breaks only after `SHA256:` and between groups of this many characters. */
export const FP_GROUP = 11;

/**
 * The nodes of fingerprint `fp`: `SHA256:` and groups of FP_GROUP characters, each kept on one
 * line (class `fp-part`), with a line-break opportunity (`<wbr>`, which adds no character when
 * copied) between them, so that on a narrow screen a fingerprint wraps at the same places every
 * time and two of them can be compared group by group. Never throws.
 */
export function fingerprintNodes(fp: string): Node[] {
  const parts = fp.startsWith('SHA256:') ? ['SHA256:'] : [];
  const rest = fp.slice(parts.length ? 7 : 0);
  for (let i = 0; i < rest.length; i += FP_GROUP) parts.push(rest.slice(i, i + FP_GROUP));
  const out: Node[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(el('wbr'));
    out.push(el('span', { class: 'fp-part' }, p));
  });
  return out;
}

/** Shows fingerprint `fp` (already sanitized) in `e` (a `.fp` element), as fingerprintNodes. Never throws. */
export function setFingerprint(e: HTMLElement, fp: string): void {
  e.replaceChildren(...fingerprintNodes(fp));
}

/**
 * `text` (already sanitized) as nodes, with every fingerprint in it as a `<span class="fp">` of
 * fingerprintNodes: monospace, and broken only between its groups. Never throws.
 */
export function textWithFingerprints(text: string): Node[] {
  const out: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(FINGERPRINT_RE)) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push(el('span', { class: 'fp' }, ...fingerprintNodes(m[0])));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}
