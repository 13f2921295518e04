// Maven artifact versions, ordered like Maven's ComparableVersion (3.9):
// the lower-cased string is split into items at `.`, at `-` and at every switch between digits
// and letters. A `-`, a digit/letter switch, and a qualifier after a `.` (1.0.RC1 reads as
// 1.0-RC1) open a nested list, which orders below any number at the same place.
// Numbers compare by value; qualifiers by alpha < beta < milestone < rc = cr < snapshot <
// "" = ga = final = release < sp < any other word (those alphabetically).
// Trailing "null" items (0, "", an empty list) are dropped, so 1.0.0 = 1 and 1-ga = 1.
import { compareDigitRuns, compareStrings, isDigitCode, sign } from './primitives.js';

type Item = NumberItem | QualifierItem | ListItem;
interface NumberItem {
  kind: 'number';
  digits: string;
}
interface QualifierItem {
  kind: 'qualifier';
  /** Lexically comparable form: the rank of a known qualifier, or `7-word` for any other word. */
  rank: string;
}
interface ListItem {
  kind: 'list';
  items: Item[];
}

const KNOWN_QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_RANK = String(KNOWN_QUALIFIERS.indexOf(''));
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
/** A single letter right before a number abbreviates a qualifier: 1.0a1 = 1.0-alpha-1. */
const ABBREVIATIONS: Readonly<Record<string, string>> = { a: 'alpha', b: 'beta', m: 'milestone' };

export function compare(a: string, b: string): number {
  return sign(compareItems(parse(a), parse(b)));
}

/** Maven gives every string a place in its order; only an empty one says nothing. */
export function isValid(version: string): boolean {
  return version.trim() !== '';
}

function parse(version: string): ListItem {
  const text = version.toLowerCase();
  const root: ListItem = { kind: 'list', items: [] };
  const opened: ListItem[] = [root];
  let list = root;
  const openList = (): void => {
    const nested: ListItem = { kind: 'list', items: [] };
    list.items.push(nested);
    list = nested;
    opened.push(nested);
  };
  let inDigits = false;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '.' || char === '-') {
      list.items.push(index === start ? numberItem('0') : wordOrNumber(inDigits, text.slice(start, index)));
      start = index + 1;
      if (char === '-') openList();
    } else if (isDigitCode(text.charCodeAt(index))) {
      if (!inDigits && index > start) {
        if (list.items.length > 0) openList();
        list.items.push(qualifierItem(text.slice(start, index), true));
        start = index;
        openList();
      }
      inDigits = true;
    } else {
      if (inDigits && index > start) {
        list.items.push(numberItem(text.slice(start, index)));
        start = index;
        openList();
      }
      inDigits = false;
    }
  }
  if (text.length > start) {
    if (!inDigits && list.items.length > 0) openList();
    list.items.push(wordOrNumber(inDigits, text.slice(start)));
  }
  // Innermost lists first, so a list emptied by normalising is itself dropped by its parent.
  for (const opening of opened.reverse()) normalize(opening);
  return root;
}

function wordOrNumber(inDigits: boolean, text: string): Item {
  return inDigits ? numberItem(text) : qualifierItem(text, false);
}

function numberItem(digits: string): NumberItem {
  return { kind: 'number', digits };
}

function qualifierItem(word: string, followedByDigit: boolean): QualifierItem {
  const expanded = followedByDigit ? (ABBREVIATIONS[word] ?? word) : word;
  const canonical = ALIASES[expanded] ?? expanded;
  const known = KNOWN_QUALIFIERS.indexOf(canonical);
  return { kind: 'qualifier', rank: known >= 0 ? String(known) : `${KNOWN_QUALIFIERS.length}-${canonical}` };
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return compareDigitRuns(item.digits, '0') === 0;
    case 'qualifier':
      return item.rank === RELEASE_RANK;
    case 'list':
      return item.items.length === 0;
  }
}

/** Drops trailing null items, looking past nested lists that are not themselves null. */
function normalize(list: ListItem): void {
  for (let index = list.items.length - 1; index >= 0; index--) {
    const item = list.items[index]!;
    if (isNull(item)) list.items.splice(index, 1);
    else if (item.kind !== 'list') break;
  }
}

/** Compares an item with another, or with nothing (`undefined`) when the other version has ended. */
function compareItems(item: Item, other: Item | undefined): number {
  switch (item.kind) {
    case 'number':
      if (other === undefined) return isNull(item) ? 0 : 1;
      return other.kind === 'number' ? compareDigitRuns(item.digits, other.digits) : 1;
    case 'qualifier':
      if (other === undefined) return compareStrings(item.rank, RELEASE_RANK);
      return other.kind === 'qualifier' ? compareStrings(item.rank, other.rank) : -1;
    case 'list':
      if (other === undefined) {
        for (const member of item.items) {
          const result = compareItems(member, undefined);
          if (result !== 0) return result;
        }
        return 0;
      }
      if (other.kind === 'number') return -1;
      if (other.kind === 'qualifier') return 1;
      return compareLists(item.items, other.items);
  }
}

function compareLists(left: Item[], right: Item[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const l = left[index];
    const r = right[index];
    const result = l === undefined ? (r === undefined ? 0 : -compareItems(r, undefined)) : compareItems(l, r);
    if (result !== 0) return result;
  }
  return 0;
}
