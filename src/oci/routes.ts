// Every /v2/ endpoint as data: method, path pattern, the IAM action it needs, and its handler.
// "Which action does this need" is one lookup here; test/unit asserts every route has one.
import type { Action } from '../access/index.js';
import { deleteBlob, getBlob, headBlob } from './blob-routes.js';
import type { OciHandler } from './context.js';
import { listCatalog, listReferrers, listTags } from './listing-routes.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifest-routes.js';
import { cancelUpload, getUploadStatus, patchUpload, putUpload, startUpload } from './upload-routes.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OciRoute {
  id: string;
  method: HttpMethod;
  /** Captures: 1 = repository name (when the route has one), 2 = reference/digest/upload id. */
  pattern: RegExp;
  /** null: only authentication is required (the /v2/ version check). */
  action: Action | null;
  handler: OciHandler;
}

const NAME = '(.+?)';
const SEGMENT = '([^/]+)';

function path(suffix: string): RegExp {
  return new RegExp(`^/v2/${NAME}/${suffix}$`);
}

const ping: OciHandler = async (call) => {
  call.reply.code(200).header('content-type', 'application/json').send('{}');
};

export const OCI_ROUTES: readonly OciRoute[] = [
  { id: 'ping', method: 'GET', pattern: /^\/v2\/?$/, action: null, handler: ping },
  { id: 'ping-head', method: 'HEAD', pattern: /^\/v2\/?$/, action: null, handler: ping },
  { id: 'catalog', method: 'GET', pattern: /^\/v2\/_catalog$/, action: null, handler: listCatalog },
  { id: 'tags-list', method: 'GET', pattern: path('tags/list'), action: 'ecr:ListImages', handler: listTags },
  { id: 'upload-start', method: 'POST', pattern: path('blobs/uploads/?'), action: 'ecr:InitiateLayerUpload', handler: startUpload },
  { id: 'upload-status', method: 'GET', pattern: path(`blobs/uploads/${SEGMENT}`), action: 'ecr:InitiateLayerUpload', handler: getUploadStatus },
  { id: 'upload-patch', method: 'PATCH', pattern: path(`blobs/uploads/${SEGMENT}`), action: 'ecr:UploadLayerPart', handler: patchUpload },
  { id: 'upload-put', method: 'PUT', pattern: path(`blobs/uploads/${SEGMENT}`), action: 'ecr:CompleteLayerUpload', handler: putUpload },
  { id: 'upload-cancel', method: 'DELETE', pattern: path(`blobs/uploads/${SEGMENT}`), action: 'ecr:InitiateLayerUpload', handler: cancelUpload },
  { id: 'blob-head', method: 'HEAD', pattern: path(`blobs/${SEGMENT}`), action: 'ecr:BatchCheckLayerAvailability', handler: headBlob },
  { id: 'blob-get', method: 'GET', pattern: path(`blobs/${SEGMENT}`), action: 'ecr:GetDownloadUrlForLayer', handler: getBlob },
  { id: 'blob-delete', method: 'DELETE', pattern: path(`blobs/${SEGMENT}`), action: 'ecr:BatchDeleteImage', handler: deleteBlob },
  { id: 'manifest-head', method: 'HEAD', pattern: path(`manifests/${SEGMENT}`), action: 'ecr:BatchGetImage', handler: headManifest },
  { id: 'manifest-get', method: 'GET', pattern: path(`manifests/${SEGMENT}`), action: 'ecr:BatchGetImage', handler: getManifest },
  { id: 'manifest-put', method: 'PUT', pattern: path(`manifests/${SEGMENT}`), action: 'ecr:PutImage', handler: putManifest },
  { id: 'manifest-delete', method: 'DELETE', pattern: path(`manifests/${SEGMENT}`), action: 'ecr:BatchDeleteImage', handler: deleteManifest },
  { id: 'referrers', method: 'GET', pattern: path(`referrers/${SEGMENT}`), action: 'ecr:BatchGetImage', handler: listReferrers },
];

export interface RouteMatch {
  route: OciRoute;
  name: string;
  reference: string;
}

/**
 * Finds the route for a path. The first pattern that matches wins, in table order, so
 * `blobs/uploads/` is tried before `blobs/<digest>`. Returns 'method' when the path exists but not
 * for this method.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | 'method' | null {
  let pathKnown = false;
  for (const route of OCI_ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    if (route.method !== method) {
      pathKnown = true;
      continue;
    }
    return { route, name: match[1] ?? '', reference: match[2] ?? '' };
  }
  return pathKnown ? 'method' : null;
}
