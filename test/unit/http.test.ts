// Tables for the /v2/ HTTP helpers: Range, Content-Range, Accept and the `n` page size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedTypes, acceptsMediaType, parseByteRange, parseContentRange, parsePageSize, type Range } from '../../src/oci/http.js';
import { RegistryError, type ErrorCode } from '../../src/registry/errors.js';
import { MediaTypes } from '../../src/registry/media-types.js';

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RegistryError, `expected RegistryError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('parseByteRange', () => {
  const CASES: [string | undefined, number, Range | null | 'unsatisfiable', string][] = [
    [undefined, 100, null, 'no header'],
    ['', 100, null, 'empty header'],
    // Closed ranges.
    ['bytes=0-0', 100, { start: 0, end: 0 }, 'first byte'],
    ['bytes=99-99', 100, { start: 99, end: 99 }, 'last byte'],
    ['bytes=10-19', 100, { start: 10, end: 19 }, 'middle'],
    ['bytes=0-99', 100, { start: 0, end: 99 }, 'whole blob'],
    ['bytes=50-50', 100, { start: 50, end: 50 }, 'single byte'],
    [' bytes=1-2 ', 100, { start: 1, end: 2 }, 'surrounding spaces'],
    // Ends past the size are clamped.
    ['bytes=0-100', 100, { start: 0, end: 99 }, 'end one past the size'],
    ['bytes=90-1000000', 100, { start: 90, end: 99 }, 'end far past the size'],
    ['bytes=0-0', 1, { start: 0, end: 0 }, 'one-byte blob'],
    // Open ranges.
    ['bytes=0-', 100, { start: 0, end: 99 }, 'open from the start'],
    ['bytes=42-', 100, { start: 42, end: 99 }, 'open from the middle'],
    ['bytes=99-', 100, { start: 99, end: 99 }, 'open from the last byte'],
    // Suffix ranges.
    ['bytes=-1', 100, { start: 99, end: 99 }, 'last byte by suffix'],
    ['bytes=-10', 100, { start: 90, end: 99 }, 'last ten bytes'],
    ['bytes=-100', 100, { start: 0, end: 99 }, 'suffix of the whole size'],
    ['bytes=-5000', 100, { start: 0, end: 99 }, 'suffix longer than the blob'],
    ['bytes=-0', 100, 'unsatisfiable', 'empty suffix'],
    // Starts at or past the size.
    ['bytes=100-', 100, 'unsatisfiable', 'open range at the size'],
    ['bytes=100-100', 100, 'unsatisfiable', 'start at the size'],
    ['bytes=150-200', 100, 'unsatisfiable', 'start past the size'],
    ['bytes=0-', 0, 'unsatisfiable', 'open range of an empty blob'],
    ['bytes=0-0', 0, 'unsatisfiable', 'first byte of an empty blob'],
    ['bytes=99999999999999999999-', 100, 'unsatisfiable', 'huge start'],
    ['bytes=20-10', 100, 'unsatisfiable', 'end before start'],
    // Ignored: malformed or multi-range.
    ['bytes=-', 100, null, 'neither start nor end'],
    ['bytes=', 100, null, 'nothing after the unit'],
    ['bytes=abc', 100, null, 'letters'],
    ['bytes=a-b', 100, null, 'letters around the dash'],
    ['bytes=1.5-2', 100, null, 'fraction'],
    ['bytes=0x10-', 100, null, 'hexadecimal'],
    ['bytes=-1-2', 100, null, 'negative start'],
    ['bytes=1-2-3', 100, null, 'two dashes'],
    ['bytes=0-1,5-6', 100, null, 'two ranges'],
    ['bytes=0-1, 5-6', 100, null, 'two ranges with a space'],
    ['bytes=0-1,-5', 100, null, 'range and suffix'],
    ['bytes 0-1', 100, null, 'space instead of ='],
    ['bytes = 0-1', 100, null, 'spaces around ='],
    ['items=0-1', 100, null, 'other unit'],
    ['0-1', 100, null, 'no unit'],
    ['bytes=0 - 1', 100, null, 'spaces around the dash'],
  ];
  for (const [header, size, expected, why] of CASES) {
    it(`${JSON.stringify(header)} of ${size} bytes → ${JSON.stringify(expected)} (${why})`, () => {
      assert.deepEqual(parseByteRange(header, size), expected);
    });
  }

  it('never returns a range that ends before it starts or reaches past the blob', () => {
    for (const header of ['bytes=-1', 'bytes=-10']) {
      const got = parseByteRange(header, 0);
      assert.ok(got === null || got === 'unsatisfiable', `${header} of 0 bytes gave ${JSON.stringify(got)}`);
    }
  });

  it('every range it returns lies inside the blob (sweep)', () => {
    for (const size of [1, 2, 7, 100]) {
      for (const header of ['bytes=0-', 'bytes=-1', 'bytes=-3', `bytes=${size - 1}-`, `bytes=0-${size * 2}`, `bytes=1-${size}`, 'bytes=-1000']) {
        const got = parseByteRange(header, size);
        if (got === null || got === 'unsatisfiable') continue;
        assert.ok(got.start >= 0 && got.start <= got.end && got.end <= size - 1, `${header} of ${size}: ${JSON.stringify(got)}`);
      }
    }
  });
});

describe('parseContentRange', () => {
  const VALID: [string | undefined, Range | null, string][] = [
    [undefined, null, 'absent'],
    ['0-0', { start: 0, end: 0 }, 'one byte'],
    ['0-99', { start: 0, end: 99 }, 'spec form'],
    ['100-199', { start: 100, end: 199 }, 'second chunk'],
    ['bytes 0-99', { start: 0, end: 99 }, 'with unit and space'],
    ['bytes=0-99', { start: 0, end: 99 }, 'with unit and ='],
    ['0-99/100', { start: 0, end: 99 }, 'with total'],
    ['0-99/*', { start: 0, end: 99 }, 'with unknown total'],
    ['bytes 0-99/1000', { start: 0, end: 99 }, 'RFC form'],
    ['  5-10  ', { start: 5, end: 10 }, 'surrounding spaces'],
    ['7-7', { start: 7, end: 7 }, 'start equals end'],
  ];
  for (const [header, expected, why] of VALID) {
    it(`${JSON.stringify(header)} → ${JSON.stringify(expected)} (${why})`, () => {
      assert.deepEqual(parseContentRange(header), expected);
    });
  }

  const INVALID: [string, ErrorCode, string][] = [
    ['10-5', 'RANGE_INVALID', 'end before start'],
    ['1-0', 'RANGE_INVALID', 'end one before start'],
    ['', 'BLOB_UPLOAD_INVALID', 'empty'],
    ['abc', 'BLOB_UPLOAD_INVALID', 'letters'],
    ['0-', 'BLOB_UPLOAD_INVALID', 'open end'],
    ['-5', 'BLOB_UPLOAD_INVALID', 'suffix'],
    ['0 - 5', 'BLOB_UPLOAD_INVALID', 'spaces around the dash'],
    ['0-5/abc', 'BLOB_UPLOAD_INVALID', 'letters as total'],
    ['0-5,6-7', 'BLOB_UPLOAD_INVALID', 'two ranges'],
    ['items 0-5', 'BLOB_UPLOAD_INVALID', 'other unit'],
    ['-1-5', 'BLOB_UPLOAD_INVALID', 'negative start'],
    ['1.5-2', 'BLOB_UPLOAD_INVALID', 'fraction'],
  ];
  for (const [header, code, why] of INVALID) {
    it(`${JSON.stringify(header)} → ${code} (${why})`, () => {
      throwsCode(() => parseContentRange(header), code);
    });
  }
});

describe('acceptedTypes', () => {
  const CASES: [string | string[] | undefined, string[], string][] = [
    [undefined, [], 'absent'],
    ['', [], 'empty'],
    [[], [], 'no headers'],
    [' , ,', [], 'only separators'],
    [MediaTypes.ociManifest, [MediaTypes.ociManifest], 'one type'],
    [`${MediaTypes.ociManifest}, ${MediaTypes.ociIndex}`, [MediaTypes.ociManifest, MediaTypes.ociIndex], 'comma-separated'],
    [`${MediaTypes.ociManifest};q=0.9,${MediaTypes.dockerManifest}; q=0.5`, [MediaTypes.ociManifest, MediaTypes.dockerManifest], 'parameters dropped'],
    ['Application/VND.OCI.Image.Manifest.v1+JSON', [MediaTypes.ociManifest], 'lowercased'],
    [[MediaTypes.ociManifest, `${MediaTypes.ociIndex},${MediaTypes.dockerManifestList}`], [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifestList], 'several header lines'],
    ['*/*', ['*/*'], 'wildcard'],
    ['  text/plain  ;  charset=utf-8 ', ['text/plain'], 'spaces'],
  ];
  for (const [accept, expected, why] of CASES) {
    it(`${JSON.stringify(accept)} → ${JSON.stringify(expected)} (${why})`, () => {
      assert.deepEqual(acceptedTypes(accept), expected);
    });
  }
});

describe('acceptsMediaType', () => {
  const CASES: [string[], string, boolean, string][] = [
    [[], MediaTypes.ociManifest, true, 'no Accept means anything'],
    [['*/*'], MediaTypes.dockerManifest, true, 'any type'],
    [['application/*'], MediaTypes.ociIndex, true, 'any application type'],
    [[MediaTypes.ociManifest], MediaTypes.ociManifest, true, 'exact type'],
    [[MediaTypes.ociIndex, MediaTypes.ociManifest], MediaTypes.ociManifest, true, 'one of several'],
    [[MediaTypes.ociIndex], MediaTypes.ociManifest, false, 'other manifest type'],
    [[MediaTypes.dockerManifest], MediaTypes.ociManifest, false, 'Docker type for an OCI manifest'],
    [['text/*'], MediaTypes.ociManifest, false, 'other top-level wildcard'],
    [['application/json'], MediaTypes.ociManifest, false, 'plain JSON'],
  ];
  for (const [accepted, mediaType, expected, why] of CASES) {
    it(`${JSON.stringify(accepted)} accepts ${mediaType}: ${expected} (${why})`, () => {
      assert.equal(acceptsMediaType(accepted, mediaType), expected);
    });
  }

  it('works on what acceptedTypes parses', () => {
    assert.equal(acceptsMediaType(acceptedTypes(`${MediaTypes.ociManifest.toUpperCase()}; q=1`), MediaTypes.ociManifest), true);
    assert.equal(acceptsMediaType(acceptedTypes(undefined), MediaTypes.ociIndex), true);
  });
});

describe('parsePageSize', () => {
  const VALID: [unknown, number, number | undefined, string][] = [
    [undefined, 100, undefined, 'absent'],
    ['0', 100, 0, 'zero'],
    ['1', 100, 1, 'one'],
    ['50', 100, 50, 'below the cap'],
    ['100', 100, 100, 'at the cap'],
    ['101', 100, 100, 'just above the cap'],
    ['999999999', 1000, 1000, 'nine digits'],
    ['007', 100, 7, 'leading zeros'],
  ];
  for (const [value, max, expected, why] of VALID) {
    it(`${JSON.stringify(value)} with max ${max} → ${expected} (${why})`, () => {
      assert.equal(parsePageSize(value, max), expected);
    });
  }

  const INVALID: [unknown, string][] = [
    ['', 'empty'],
    ['-1', 'negative'],
    ['abc', 'letters'],
    ['1.5', 'fraction'],
    ['1e3', 'exponent'],
    ['0x10', 'hexadecimal'],
    [' 5', 'leading space'],
    ['5 ', 'trailing space'],
    ['+5', 'plus sign'],
    [['1', '2'], 'repeated parameter'],
    [5, 'number instead of string'],
    [null, 'null'],
  ];
  for (const [value, why] of INVALID) {
    it(`${JSON.stringify(value)} → PAGINATION_NUMBER_INVALID (${why})`, () => {
      throwsCode(() => parsePageSize(value, 100), 'PAGINATION_NUMBER_INVALID');
    });
  }
});
