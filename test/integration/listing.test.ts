// Tag listing, catalog, pagination, unknown routes and wrong methods. This file owns its server,
// so the set of repositories (and thus the catalog) is fully known.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import {
  API_VERSION,
  API_VERSION_HEADER,
  Registry,
  assertNoViolations,
  expectError,
  expectHeader,
  expectStatus,
  nextLink,
  randomDigest,
  type Res,
} from './client.js';

let srv: WharfProcess;
let reg: Registry;

const TAGGED = 'alpha/one';
const TAGS = ['latest', 'alpha', 'v2', 'v10', 'beta', '1.0', 'rc_1'];
const SORTED_TAGS = [...TAGS].sort();
const UNTAGGED = 'untagged/repo';
const REPOS = [TAGGED, UNTAGGED, 'zeta', 'beta', 'alpha-x', 'alpha.y', 'm/n/o', 'alpha/two'];
const SORTED_REPOS = [...REPOS].sort();

before(async () => {
  srv = await startWharf({ anonymous: true });
  reg = new Registry(srv.url);
  const img = await reg.pushImage(TAGGED, TAGS[0]);
  for (const tag of TAGS.slice(1)) await reg.pushManifest(TAGGED, tag, img.bytes, img.descriptor.mediaType);
  await reg.pushImage(UNTAGGED); // by digest only
  for (const repo of REPOS) {
    if (repo !== TAGGED && repo !== UNTAGGED) await reg.pushImage(repo, 'latest');
  }
});

after(async () => {
  await srv?.dispose();
});

function tagsOf(res: Res, name: string): string[] {
  expectStatus(res, 200);
  expectHeader(res, API_VERSION_HEADER, API_VERSION);
  assert.match(res.header('content-type') ?? '', /^application\/json/);
  const body = res.json();
  assert.equal(body.name, name);
  assert.ok(Array.isArray(body.tags), `${res.describe()}: tags must be an array`);
  return body.tags;
}

function reposOf(res: Res): string[] {
  expectStatus(res, 200);
  expectHeader(res, API_VERSION_HEADER, API_VERSION);
  assert.match(res.header('content-type') ?? '', /^application\/json/);
  const body = res.json();
  assert.ok(Array.isArray(body.repositories), `${res.describe()}: repositories must be an array`);
  return body.repositories;
}

describe('tags list', () => {
  it('GET /v2/<name>/tags/list returns all tags in lexical order', async () => {
    const tags = tagsOf(await reg.get(`/v2/${TAGGED}/tags/list`), TAGGED);
    assert.deepEqual(tags, SORTED_TAGS);
  });

  it('a repository with only untagged manifests lists no tags', async () => {
    assert.deepEqual(tagsOf(await reg.get(`/v2/${UNTAGGED}/tags/list`), UNTAGGED), []);
  });

  it('?n=2 returns 2 tags and an exact Link header to the next page', async () => {
    const res = await reg.get(`/v2/${TAGGED}/tags/list?n=2`);
    assert.deepEqual(tagsOf(res, TAGGED), SORTED_TAGS.slice(0, 2));
    expectHeader(res, 'link', `</v2/${TAGGED}/tags/list?n=2&last=${SORTED_TAGS[1]}>; rel="next"`);
  });

  it('following Link pages through all tags; the last page has no Link', async () => {
    let url: string | null = `/v2/${TAGGED}/tags/list?n=2`;
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const res = await reg.get(url);
      const tags = tagsOf(res, TAGGED);
      pages += 1;
      assert.ok(pages <= 10, 'pagination does not terminate');
      seen.push(...tags);
      const next = nextLink(res);
      if (next) {
        assert.equal(tags.length, 2, `${res.describe()}: a page with a next Link must be full`);
        assert.equal(next.pathname, `/v2/${TAGGED}/tags/list`);
        assert.equal(next.searchParams.get('n'), '2');
        assert.equal(next.searchParams.get('last'), tags[tags.length - 1]);
      }
      url = next ? next.pathname + next.search : null;
    }
    assert.deepEqual(seen, SORTED_TAGS);
    assert.equal(pages, Math.ceil(SORTED_TAGS.length / 2));
  });

  it('last= continues after the given tag (exclusive), with or without n', async () => {
    const after1 = tagsOf(await reg.get(`/v2/${TAGGED}/tags/list?last=beta`), TAGGED);
    assert.deepEqual(after1, SORTED_TAGS.filter((t) => t > 'beta'));
    const after2 = tagsOf(await reg.get(`/v2/${TAGGED}/tags/list?n=2&last=alpha`), TAGGED);
    assert.deepEqual(after2, SORTED_TAGS.filter((t) => t > 'alpha').slice(0, 2));
    const after3 = tagsOf(await reg.get(`/v2/${TAGGED}/tags/list?n=3&last=b`), TAGGED);
    assert.deepEqual(after3, SORTED_TAGS.filter((t) => t > 'b').slice(0, 3));
    const end = await reg.get(`/v2/${TAGGED}/tags/list?n=2&last=${SORTED_TAGS[SORTED_TAGS.length - 1]}`);
    assert.deepEqual(tagsOf(end, TAGGED), []);
    assert.equal(end.header('link'), null);
  });

  it('n=0 returns an empty list without Link', async () => {
    const res = await reg.get(`/v2/${TAGGED}/tags/list?n=0`);
    assert.deepEqual(tagsOf(res, TAGGED), []);
    assert.equal(res.header('link'), null);
  });

  it('n larger than the number of tags returns everything without Link', async () => {
    const res = await reg.get(`/v2/${TAGGED}/tags/list?n=100`);
    assert.deepEqual(tagsOf(res, TAGGED), SORTED_TAGS);
    assert.equal(res.header('link'), null);
  });

  for (const q of ['n=abc', 'n=-1', 'n=1.5']) {
    it(`malformed ?${q} is 400`, async () => {
      const res = await reg.get(`/v2/${TAGGED}/tags/list?${q}`);
      expectError(res, 400, '*');
    });
  }

  it('tags list of an unknown repository is 404 NAME_UNKNOWN', async () => {
    expectError(await reg.get('/v2/does/not/exist/tags/list'), 404, 'NAME_UNKNOWN');
  });
});

describe('catalog', () => {
  it('GET /v2/_catalog lists all repositories sorted', async () => {
    assert.deepEqual(reposOf(await reg.get('/v2/_catalog')), SORTED_REPOS);
  });

  it('?n=2 returns 2 repositories and an exact Link header', async () => {
    const res = await reg.get('/v2/_catalog?n=2');
    assert.deepEqual(reposOf(res), SORTED_REPOS.slice(0, 2));
    expectHeader(res, 'link', `</v2/_catalog?n=2&last=${SORTED_REPOS[1]}>; rel="next"`);
  });

  it('following Link pages through the catalog; the last page has no Link', async () => {
    let url: string | null = '/v2/_catalog?n=3';
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const res = await reg.get(url);
      const repos = reposOf(res);
      pages += 1;
      assert.ok(pages <= 10, 'pagination does not terminate');
      seen.push(...repos);
      const next = nextLink(res);
      if (next) {
        assert.equal(repos.length, 3);
        assert.equal(next.pathname, '/v2/_catalog');
        assert.equal(next.searchParams.get('last'), repos[repos.length - 1]);
      }
      url = next ? next.pathname + next.search : null;
    }
    assert.deepEqual(seen, SORTED_REPOS);
  });

  it('last= continues after the given repository; n=0 is empty without Link', async () => {
    const res = await reg.get(`/v2/_catalog?last=${encodeURIComponent('alpha/one')}`);
    assert.deepEqual(reposOf(res), SORTED_REPOS.filter((r) => r > 'alpha/one'));
    const zero = await reg.get('/v2/_catalog?n=0');
    assert.deepEqual(reposOf(zero), []);
    assert.equal(zero.header('link'), null);
  });

  it('malformed ?n=abc is 400', async () => {
    expectError(await reg.get('/v2/_catalog?n=abc'), 400, '*');
  });
});

describe('unknown routes and wrong methods', () => {
  for (const path of [`/v2/${TAGGED}/whatever/xyz`, `/v2/${TAGGED}/blobs`, '/v2/_catalog/extra', `/v2/${TAGGED}/manifests/`]) {
    it(`GET ${path} is a 404 JSON error with a distribution-spec code`, async () => {
      const res = await reg.get(path);
      expectError(res, 404, '*');
    });
  }

  // Outside /v2 the distribution spec does not apply; a JSON 404 error is all that is required.
  for (const path of ['/nope', '/v3/', '/v2x/']) {
    it(`GET ${path} is a 404 JSON error`, async () => {
      const res = await reg.get(path);
      expectError(res, 404, ['NOT_FOUND', 'NAME_UNKNOWN', 'UNSUPPORTED']);
    });
  }

  const digest = randomDigest();
  for (const [method, path] of [
    ['POST', `/v2/${TAGGED}/tags/list`],
    ['DELETE', `/v2/${TAGGED}/tags/list`],
    ['PATCH', `/v2/${TAGGED}/manifests/latest`],
    ['POST', `/v2/${TAGGED}/manifests/latest`],
    ['PUT', `/v2/${TAGGED}/blobs/${digest}`],
    ['POST', `/v2/${TAGGED}/blobs/${digest}`],
    ['PATCH', `/v2/${TAGGED}/blobs/${digest}`],
    ['DELETE', '/v2/'],
    ['POST', '/v2/'],
    ['PUT', '/v2/_catalog'],
    ['POST', `/v2/${TAGGED}/referrers/${digest}`],
  ] as const) {
    it(`${method} ${path.replace(digest, '<digest>')} is 405 UNSUPPORTED or 404`, async () => {
      const res = await reg.request(method, path, { body: method === 'DELETE' ? undefined : Buffer.from('{}') });
      assert.ok([404, 405].includes(res.status), res.describe());
      if (res.status === 405) expectError(res, 405, 'UNSUPPORTED');
      else expectError(res, 404, '*');
    });
  }

  it('wrong-method requests did not change anything', async () => {
    assert.deepEqual(tagsOf(await reg.get(`/v2/${TAGGED}/tags/list`), TAGGED), SORTED_TAGS);
    assert.deepEqual(reposOf(await reg.get('/v2/_catalog')), SORTED_REPOS);
  });
});

describe('invariants', () => {
  it('every /v2 response carried Docker-Distribution-API-Version and nothing returned 5xx', () => {
    assertNoViolations();
  });
});
