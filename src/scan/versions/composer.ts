// PHP Composer (Packagist) versions. Composer first normalises a version to four numbers plus
// an optional stability (`v1.2` -> 1.2.0.0, `1.2.3-b2` -> 1.2.3.0-beta2, `1.0-RC` -> 1.0.0.0-RC,
// `1.0.0-p1` -> 1.0.0.0-patch1, `2.x-dev` -> 2.9999999.9999999.9999999-dev) and then orders
// the normalised strings with PHP's version_compare, whose word order is
// dev < alpha = a < beta = b < RC = rc < (a number) < pl = p (so patch), any other word first.
import { compareDigitRuns, compareStrings, isDigitCode, isLetterCode, sign } from './primitives.js';

const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\\d+)*)?)?([.-]?dev)?';
const CLASSICAL = new RegExp(`^v?(\\d{1,5})(\\.\\d+)?(\\.\\d+)?(\\.\\d+)?${MODIFIER}$`, 'i');
const DATE_BASED = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3})?)${MODIFIER}$`, 'i');
const BRANCH_NUMBERS = /^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$/i;
const STABILITY_NAMES: Readonly<Record<string, string>> = { a: 'alpha', b: 'beta', p: 'patch', pl: 'patch', rc: 'RC' };
/** version_compare's words, matched as prefixes in this order; a number ranks as `#`. */
const SPECIAL_FORMS: ReadonlyArray<[string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
const NUMBER_FORM = '#N#';

export function isValid(version: string): boolean {
  return normalize(version) !== undefined;
}

// Composer never orders a branch (`dev-main`) against a numbered version; here branches, and
// strings Composer rejects, sort before every numbered version and among themselves by name,
// so that an installed branch is never taken to be past a fix.
export function compare(a: string, b: string): number {
  const x = normalize(a);
  const y = normalize(b);
  if (isNumbered(x) && isNumbered(y)) return phpVersionCompare(x, y);
  if (isNumbered(x) !== isNumbered(y)) return isNumbered(x) ? 1 : -1;
  return compareStrings(x ?? a.trim(), y ?? b.trim());
}

function isNumbered(normalized: string | undefined): normalized is string {
  return normalized !== undefined && !normalized.startsWith('dev-');
}

/** Composer's VersionParser::normalize for a single version; undefined where Composer throws. */
function normalize(version: string): string | undefined {
  let text = version.trim();
  text = /^([^,\s]+) +as +([^,\s]+)$/.exec(text)?.[1] ?? text;
  text = text.replace(/@(?:stable|RC|beta|alpha|dev)$/i, '');
  if (text === 'master' || text === 'trunk' || text === 'default') text = `dev-${text}`;
  if (text.toLowerCase().startsWith('dev-')) return `dev-${text.slice(4)}`;
  text = /^([^,\s+]+)\+\S+$/.exec(text)?.[1] ?? text;

  const classical = CLASSICAL.exec(text);
  if (classical !== null) {
    const [, major, minor, patch, build, ...modifier] = classical;
    return withModifier(`${major}${minor || '.0'}${patch || '.0'}${build || '.0'}`, modifier);
  }
  const dated = DATE_BASED.exec(text);
  if (dated !== null) {
    const [, date, ...modifier] = dated;
    return withModifier(date!.replace(/\D/g, '.'), modifier);
  }
  const devBranch = /^(.*?)[.-]?dev$/i.exec(text);
  if (devBranch !== null) return numberedBranch(devBranch[1]!);
  return undefined;
}

function withModifier(numbers: string, [stability, stabilityNumber, dev]: (string | undefined)[]): string {
  if (stability === 'stable') return numbers;
  let normalized = numbers;
  if (stability) {
    const lower = stability.toLowerCase();
    normalized += `-${STABILITY_NAMES[lower] ?? lower}${(stabilityNumber ?? '').replace(/^[.-]+/, '')}`;
  }
  return dev ? `${normalized}-dev` : normalized;
}

/** `1.2.x-dev` style branches are numbered versions (x as 9999999); others are not versions at all. */
function numberedBranch(name: string): string | undefined {
  const match = BRANCH_NUMBERS.exec(name.trim());
  if (match === null) return undefined;
  const parts = match.slice(1, 5).map((part) => (part === undefined ? '.x' : part.replace(/[X*]/, 'x')));
  return `${parts.join('').replaceAll('x', '9999999')}-dev`;
}

/** PHP's version_compare. */
function phpVersionCompare(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? -1 : 1;
  const left = (a.startsWith('#') ? a : canonicalize(a)).split('.');
  const right = (b.startsWith('#') ? b : canonicalize(b)).split('.');
  let index = 0;
  for (; index < left.length && index < right.length; index++) {
    const result = comparePart(left[index]!, right[index]!);
    if (result !== 0) return result;
  }
  if (index < left.length) {
    return startsWithDigit(left[index]!) ? 1 : phpVersionCompare(left.slice(index).join('.'), NUMBER_FORM);
  }
  if (index < right.length) {
    return startsWithDigit(right[index]!) ? -1 : phpVersionCompare(NUMBER_FORM, right.slice(index).join('.'));
  }
  return 0;
}

/** Separators become single dots, and a dot goes between every digit/non-digit switch. */
function canonicalize(version: string): string {
  let out = version[0]!;
  for (let index = 1; index < version.length; index++) {
    const char = version[index]!;
    const previous = version[index - 1]!;
    const dotted = out.endsWith('.');
    if (char === '-' || char === '_' || char === '+') {
      if (!dotted) out += '.';
    } else if (isDigitOrWordSwitch(previous, char)) {
      out += dotted ? char : `.${char}`;
    } else if (!isLetterCode(version.charCodeAt(index)) && !isDigitCode(version.charCodeAt(index))) {
      if (!dotted) out += '.';
    } else {
      out += char;
    }
  }
  return out;
}

function isDigitOrWordSwitch(previous: string, char: string): boolean {
  if (previous === '.' || char === '.') return false;
  return startsWithDigit(previous) !== startsWithDigit(char);
}

function comparePart(a: string, b: string): number {
  const digitsA = startsWithDigit(a);
  const digitsB = startsWithDigit(b);
  if (digitsA && digitsB) return compareDigitRuns(a, b);
  return sign(specialFormRank(digitsA ? NUMBER_FORM : a) - specialFormRank(digitsB ? NUMBER_FORM : b));
}

function specialFormRank(part: string): number {
  return SPECIAL_FORMS.find(([form]) => part.startsWith(form))?.[1] ?? -1;
}

function startsWithDigit(text: string): boolean {
  return text !== '' && isDigitCode(text.charCodeAt(0));
}
