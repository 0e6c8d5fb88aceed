/**
 * The visual skeleton of a name: two names with the same skeleton look alike, and the registry
 * refuses a new name whose skeleton equals that of a name another key owns (`name_taken`).
 *
 * Names are ASCII (NAME_RE: A–Z a–z 0–9 _ . -), so the skeleton is small and fully written down
 * here. It follows the idea of UTS #39 §4 (skeleton(X) = the string with every confusable
 * replaced by its prototype) on ASCII only, plus case folding, because Parley names are
 * case-insensitive. The steps, in this order:
 *
 *   1. 'I' → 'l'    before lower-casing: lower-casing first would make 'aIice' 'aiice', and
 *                   'aIice' would no longer meet 'alice' (capital i and small L are the same
 *                   vertical bar in most sans-serif fonts).
 *   2. lower case   A–Z → a–z ('Alice' is 'alice', 'L' meets 'l', 'O' meets 'o').
 *   3. one character to its prototype, then several characters to one (expanding, as UTS #39
 *      maps 'm' → 'rn', so that the skeleton is a function of each character and cannot depend
 *      on how a run such as 'rnn' or 'vvv' is split into pairs):
 *        '1' → 'l'       confusables.txt: 0031 → 006C (DIGIT ONE → LATIN SMALL LETTER L)
 *        '0' → 'o'       confusables.txt: 0030 → 004F (DIGIT ZERO → O); 'o' after step 2
 *        'm' → 'rn'      confusables.txt: 006D → 0072 006E
 *        'w' → 'vv'      not in confusables.txt; 'vv' and 'w' touch in most fonts
 *        'd' → 'cl'      not in confusables.txt; 'cl' reads as 'd' when kerned tightly
 *   4. a run of '_' or of '-' → one: '__' and '--' draw one unbroken line in most fonts, whose
 *      length is hard to judge ('ann__lee' beside 'ann_lee').
 *
 * confusables.txt's other ASCII → ASCII entries are for characters outside NAME_RE (| → l,
 * ` → ', " → ''). Left out on purpose, with the reason:
 *   - '5'/'S', '2'/'Z', '8'/'B', '6'/'b', '9'/'g'/'q': distinct in the fonts the clients use
 *     (terminal monospace, the browser's UI font) and absent from confusables.txt; folding them
 *     would refuse many honest names ('s2', 'b8').
 *   - 'i'/'l', 'i'/'j', 'u'/'v', 'nn'/'m', 'ri'/'n': the dot or the shape tells them apart;
 *     not in confusables.txt.
 *   - '_' against '-' and '.': different heights on the line; runs of '.' stay (separate dots).
 * The skeleton is a comparison key only; the registry stores and shows the spelling of the
 * first claim. Changing this table changes which existing names collide: it needs a schema
 * migration that recomputes the stored skeletons (src/server/names-sqlite.ts).
 */

/** One character to its prototype (step 3); characters not listed are their own prototype. */
export const SKELETON_CHARS: Readonly<Record<string, string>> = Object.freeze({
  '1': 'l',
  '0': 'o',
  m: 'rn',
  w: 'vv',
  d: 'cl',
});

/**
 * The skeleton of `name` (see the file comment). Defined for any string, meant for names that
 * match NAME_RE; never throws. Two names look alike when their skeletons are equal.
 */
export function nameSkeleton(name: string): string {
  let out = '';
  let last = '';
  for (const ch of name.replace(/I/g, 'l').toLowerCase()) {
    if ((ch === '_' || ch === '-') && ch === last) continue;
    last = ch;
    out += SKELETON_CHARS[ch] ?? ch;
  }
  return out;
}
