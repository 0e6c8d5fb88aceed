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
