// License strings as packages declare them, checked against the SPDX license expression syntax
// (SPDX 2.3 Annex D): `MIT`, `GPL-2.0-or-later WITH Classpath-exception-2.0`,
// `(MIT OR Apache-2.0) AND BSD-3-Clause`, `LicenseRef-x`. Free text such as `GPL version 2` is
// not an expression; each format then records it in its own way. Whether an identifier is on the
// SPDX license list is not checked: the list is not shipped with wharf.

import type { InventoryPackage } from '../types.js';

const OPERATORS = new Set(['AND', 'OR', 'WITH']);
const LICENSE_REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const LICENSE_ID = /^[A-Za-z0-9.-]+\+?$/;

/** The package's license strings, trimmed, without blanks. */
export function declaredLicenses(pkg: InventoryPackage): string[] {
  return (pkg.licenses ?? []).map((text) => text.trim()).filter((text) => text !== '');
}

export function isLicenseExpression(text: string): boolean {
  const tokens = text.replace(/[()]/g, ' $& ').trim().split(/\s+/);
  if (tokens[0] === '') return false;
  const end = parseCompound(tokens, 0);
  return end === tokens.length;
}

/** One expression that requires all of the given ones; compound parts are parenthesised. */
export function allOf(expressions: string[]): string {
  if (expressions.length === 1) return expressions[0]!;
  return expressions.map((expression) => (/\s/.test(expression) ? `(${expression})` : expression)).join(' AND ');
}

/** Parses `term ((AND|OR) term)*` from `start`; returns the index after it, or -1. */
function parseCompound(tokens: string[], start: number): number {
  let index = parseTerm(tokens, start);
  while (index >= 0 && (tokens[index] === 'AND' || tokens[index] === 'OR')) {
    index = parseTerm(tokens, index + 1);
  }
  return index;
}

/** `( compound )` or `license [WITH exception]`. */
function parseTerm(tokens: string[], start: number): number {
  const token = tokens[start];
  if (token === undefined) return -1;
  if (token === '(') {
    const end = parseCompound(tokens, start + 1);
    return end >= 0 && tokens[end] === ')' ? end + 1 : -1;
  }
  if (!isLicenseId(token)) return -1;
  if (tokens[start + 1] !== 'WITH') return start + 1;
  const exception = tokens[start + 2];
  return exception !== undefined && isLicenseId(exception) && !exception.endsWith('+') ? start + 3 : -1;
}

function isLicenseId(token: string): boolean {
  return !OPERATORS.has(token) && (LICENSE_REF.test(token) || LICENSE_ID.test(token));
}
