// Tag lists, the catalog and referrers: paginated straight from indexed tables.
import { assertDigest, MediaTypes } from '../registry/index.js';
import type { OciCall } from './context.js';
import { parsePageSize } from './http.js';

const MAX_PAGE = 10_000;
/** The catalog is paged even when the client did not ask (as distribution does). */
const DEFAULT_CATALOG_PAGE = 1_000;

function nextLink(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

export async function listTags(call: OciCall): Promise<void> {
  const { name } = call.params;
  const n = parsePageSize(call.query.n, MAX_PAGE);
  const last = call.query.last;
  const page = await call.registry.tags.list(name, n ?? 1_000_000_000, last);
  if (page.more && n !== undefined && page.tags.length > 0) {
    call.reply.header('link', nextLink(`/v2/${name}/tags/list`, n, page.tags[page.tags.length - 1]!));
  }
  call.reply.code(200).send({ name, tags: page.tags });
}

export async function listCatalog(call: OciCall): Promise<void> {
  const n = parsePageSize(call.query.n, MAX_PAGE) ?? DEFAULT_CATALOG_PAGE;
  const page = await call.registry.repositories.list(n, call.query.last);
  const visible: string[] = [];
  for (const repository of page.names) {
    if (await call.access.authorize(call.principal, 'ecr:DescribeRepositories', repository, call.info)) visible.push(repository);
  }
  if (page.more && page.names.length > 0) call.reply.header('link', nextLink('/v2/_catalog', n, page.names[page.names.length - 1]!));
  call.reply.code(200).send({ repositories: visible });
}

export async function listReferrers(call: OciCall): Promise<void> {
  const { name, reference } = call.params;
  assertDigest(reference);
  await call.registry.repositories.assertExists(name);
  const result = await call.registry.manifests.referrers(name, reference, call.query.artifactType);
  if (result.filtered) call.reply.header('oci-filters-applied', 'artifactType');
  call.reply
    .code(200)
    .header('content-type', MediaTypes.ociIndex)
    // A Buffer, so no charset parameter is appended: the spec wants the bare media type.
    .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: result.manifests })));
}
