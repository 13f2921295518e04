// Tables for the OCI distribution grammar: repository names, tags, digests and references.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_NAME_LENGTH,
  assertDigest,
  assertName,
  assertTag,
  isDigest,
  isValidName,
  isValidTag,
  parseDigest,
  parseReference,
} from '../../src/registry/grammar.js';
import { RegistryError, type ErrorCode } from '../../src/registry/errors.js';

const HEX64 = '0123456789abcdef'.repeat(4);
const HEX128 = HEX64 + HEX64;
const SHA256 = `sha256:${HEX64}`;
const SHA512 = `sha512:${HEX128}`;

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RegistryError, `expected RegistryError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** A valid name of exactly `length` characters made of 9-character components. */
function nameOfLength(length: number): string {
  let name = '';
  while (name.length < length) name += name.length === 0 ? 'a' : name.length % 10 === 0 ? '/' : 'b';
  return name.endsWith('/') ? name.slice(0, -1) + 'c' : name;
}

describe('repository names', () => {
  const VALID: [string, string][] = [
    ['a', 'single character'],
    ['0', 'single digit'],
    ['ubuntu', 'one component'],
    ['library/ubuntu', 'two components'],
    ['a/b/c/d/e/f', 'many components'],
    ['foo.bar', 'period separator'],
    ['foo_bar', 'underscore separator'],
    ['foo__bar', 'double underscore separator'],
    ['foo-bar', 'dash separator'],
    ['foo--bar', 'two dashes'],
    ['foo----bar', 'many dashes'],
    ['a.b.c', 'repeated periods between characters'],
    ['a-b_c.d__e', 'mixed separators'],
    ['123/456', 'digits only'],
    ['team.one/sub-team/img_name.v2', 'separators in several components'],
    ['blobs/manifests/tags/uploads', 'components named like route words'],
    ['v2/x_catalogue', 'underscore after a character'],
    [nameOfLength(MAX_NAME_LENGTH), '255 characters'],
    ['a'.repeat(255), '255 characters in one component'],
  ];
  const INVALID: [string, string][] = [
    ['', 'empty'],
    ['A', 'uppercase'],
    ['Library/ubuntu', 'uppercase first component'],
    ['library/Ubuntu', 'uppercase second component'],
    ['foo___bar', 'three underscores'],
    ['foo..bar', 'two periods'],
    ['foo._bar', 'period then underscore'],
    ['foo-_bar', 'dash then underscore'],
    ['foo_-bar', 'underscore then dash'],
    ['foo.-bar', 'period then dash'],
    ['.foo', 'leading period'],
    ['_foo', 'leading underscore'],
    ['-foo', 'leading dash'],
    ['foo.', 'trailing period'],
    ['foo_', 'trailing underscore'],
    ['foo-', 'trailing dash'],
    ['foo__', 'trailing double underscore'],
    ['/foo', 'leading slash'],
    ['foo/', 'trailing slash'],
    ['foo//bar', 'empty component'],
    ['/', 'only a slash'],
    ['foo/.bar', 'component with leading period'],
    ['foo/-bar', 'component with leading dash'],
    ['foo/bar-', 'component with trailing dash'],
    ['.', 'dot'],
    ['..', 'dot dot'],
    ['../etc/passwd', 'traversal prefix'],
    ['foo/../bar', 'traversal in the middle'],
    ['foo/./bar', 'current-directory component'],
    ['foo/..', 'traversal suffix'],
    ['..%2f..%2fetc', 'encoded traversal'],
    ['foo\\bar', 'backslash'],
    ['foo bar', 'space'],
    ['foo:bar', 'colon'],
    ['foo@bar', 'at sign'],
    ['foo+bar', 'plus'],
    ['foo\nbar', 'newline inside'],
    ['foo\n', 'trailing newline'],
    ['\nfoo', 'leading newline'],
    ['foo\0', 'NUL'],
    ['café', 'accented letter'],
    ['ünicode/name', 'unicode component'],
    ['\u0430bc', 'Cyrillic a that looks like a Latin a'],
    ['ｆｏｏ', 'fullwidth letters'],
    ['foo\u200bbar', 'zero-width space'],
    ['a'.repeat(256), '256 characters'],
    [nameOfLength(MAX_NAME_LENGTH + 1), '256 characters with components'],
  ];

  it('MAX_NAME_LENGTH is 255', () => assert.equal(MAX_NAME_LENGTH, 255));

  for (const [name, why] of VALID) {
    it(`accepts ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name)} (${why})`, () => {
      assert.equal(isValidName(name), true);
      assert.equal(assertName(name), name);
    });
  }
  for (const [name, why] of INVALID) {
    it(`refuses ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}…(${name.length})` : name)} (${why})`, () => {
      assert.equal(isValidName(name), false);
      throwsCode(() => assertName(name), 'NAME_INVALID');
    });
  }

  it('the length helper builds names of the exact length', () => {
    assert.equal(nameOfLength(255).length, 255);
    assert.equal(nameOfLength(256).length, 256);
    assert.match(nameOfLength(256), /\//);
  });
});

describe('tags', () => {
  const VALID: [string, string][] = [
    ['latest', 'lowercase word'],
    ['LATEST', 'uppercase word'],
    ['v1.2.3', 'version with periods'],
    ['1.0-rc_2', 'digits, dash, underscore'],
    ['_private', 'leading underscore'],
    ['0', 'single digit'],
    ['A', 'single uppercase letter'],
    ['a..b--c__d', 'repeated separators after the first character'],
    ['trailing-', 'trailing dash'],
    ['trailing.', 'trailing period'],
    ['a'.repeat(128), '128 characters'],
    [`_${'-'.repeat(127)}`, '128 characters, only the first a word character'],
  ];
  const INVALID: [string, string][] = [
    ['', 'empty'],
    ['a'.repeat(129), '129 characters'],
    ['.hidden', 'leading period'],
    ['-dash', 'leading dash'],
    ['with space', 'space'],
    ['with:colon', 'colon'],
    ['with/slash', 'slash'],
    ['1.0+build', 'plus'],
    ['tag@sha', 'at sign'],
    ['latest\n', 'trailing newline'],
    ['lat\0est', 'NUL'],
    ['ünicode', 'unicode letter'],
    ['..', 'dot dot'],
    ['../x', 'traversal'],
    [`sha256:${HEX64}`, 'digest'],
  ];

  for (const [tag, why] of VALID) {
    it(`accepts ${JSON.stringify(tag.length > 40 ? `${tag.slice(0, 10)}…(${tag.length})` : tag)} (${why})`, () => {
      assert.equal(isValidTag(tag), true);
      assert.equal(assertTag(tag), tag);
    });
  }
  for (const [tag, why] of INVALID) {
    it(`refuses ${JSON.stringify(tag.length > 40 ? `${tag.slice(0, 10)}…(${tag.length})` : tag)} (${why})`, () => {
      assert.equal(isValidTag(tag), false);
      throwsCode(() => assertTag(tag), 'TAG_INVALID');
    });
  }
});

describe('digests', () => {
  const VALID: [string, 'sha256' | 'sha512', string][] = [
    [SHA256, 'sha256', HEX64],
    [SHA512, 'sha512', HEX128],
    [`sha256:${'0'.repeat(64)}`, 'sha256', '0'.repeat(64)],
    [`sha512:${'f'.repeat(128)}`, 'sha512', 'f'.repeat(128)],
  ];
  const INVALID: [string, string][] = [
    ['', 'empty'],
    ['sha256:', 'no hex'],
    [`sha256:${HEX64.toUpperCase()}`, 'uppercase hex'],
    [`sha256:${HEX64.slice(0, 63)}A`, 'one uppercase hex digit'],
    [`SHA256:${HEX64}`, 'uppercase algorithm'],
    [`sha256:${HEX64.slice(0, 63)}`, 'sha256 with 63 hex'],
    [`sha256:${HEX64}0`, 'sha256 with 65 hex'],
    [`sha256:${HEX128}`, 'sha256 with 128 hex'],
    [`sha512:${HEX64}`, 'sha512 with 64 hex'],
    [`sha512:${HEX128.slice(0, 127)}`, 'sha512 with 127 hex'],
    [`sha512:${HEX128}0`, 'sha512 with 129 hex'],
    [`sha384:${'a'.repeat(96)}`, 'sha384 (not accepted)'],
    [`md5:${'a'.repeat(32)}`, 'md5'],
    [`blake3:${HEX64}`, 'blake3'],
    [`sha1:${'a'.repeat(40)}`, 'sha1'],
    [`sha256${HEX64}`, 'missing colon'],
    [HEX64, 'bare hex'],
    [`:${HEX64}`, 'missing algorithm'],
    [`sha256::${HEX64}`, 'double colon'],
    [`sha256:${HEX64.slice(0, 63)}g`, 'non-hex letter'],
    [`sha256:${HEX64}\n`, 'trailing newline'],
    [` sha256:${HEX64}`, 'leading space'],
    [`sha256:${HEX64} `, 'trailing space'],
    [`sha256:../${HEX64.slice(3)}`, 'traversal in the hex'],
    [`sha256+b64:${HEX64}`, 'algorithm with a component separator'],
  ];

  for (const [digest, algorithm, hex] of VALID) {
    it(`accepts ${algorithm} ${digest.slice(0, 20)}…`, () => {
      assert.equal(isDigest(digest), true);
      assert.deepEqual(parseDigest(digest), { algorithm, hex });
      assert.deepEqual(assertDigest(digest), { algorithm, hex });
    });
  }
  for (const [digest, why] of INVALID) {
    it(`refuses ${why}`, () => {
      assert.equal(isDigest(digest), false);
      assert.equal(parseDigest(digest), null);
      throwsCode(() => assertDigest(digest), 'DIGEST_INVALID');
    });
  }
});

describe('parseReference', () => {
  const TAGS = ['latest', 'v1.0.0', '_x', 'a'.repeat(128)];
  for (const tag of TAGS) {
    it(`reads ${JSON.stringify(tag.slice(0, 20))} as a tag`, () => {
      assert.deepEqual(parseReference(tag), { kind: 'tag', tag });
    });
  }

  const DIGESTS: [string, 'sha256' | 'sha512', string][] = [
    [SHA256, 'sha256', HEX64],
    [SHA512, 'sha512', HEX128],
  ];
  for (const [digest, algorithm, hex] of DIGESTS) {
    it(`reads a ${algorithm} digest`, () => {
      assert.deepEqual(parseReference(digest), { kind: 'digest', digest, parsed: { algorithm, hex } });
    });
  }

  const REFUSED: [string, ErrorCode, string][] = [
    ['', 'TAG_INVALID', 'empty'],
    ['a'.repeat(129), 'TAG_INVALID', 'too long for a tag'],
    ['.latest', 'TAG_INVALID', 'leading period'],
    ['with space', 'TAG_INVALID', 'space'],
    ['../x', 'TAG_INVALID', 'traversal'],
    ['sha256:abc', 'DIGEST_INVALID', 'short digest'],
    [`sha256:${HEX64.toUpperCase()}`, 'DIGEST_INVALID', 'uppercase digest'],
    [`md5:${'a'.repeat(32)}`, 'DIGEST_INVALID', 'unknown algorithm'],
    ['foo:bar', 'DIGEST_INVALID', 'anything with a colon is a digest'],
    [':', 'DIGEST_INVALID', 'only a colon'],
  ];
  for (const [reference, code, why] of REFUSED) {
    it(`refuses ${JSON.stringify(reference.slice(0, 20))} with ${code} (${why})`, () => {
      throwsCode(() => parseReference(reference), code);
    });
  }
});
