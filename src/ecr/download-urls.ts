// The short-lived layer URLs GetDownloadUrlForLayer hands out, and the route that serves them:
//
//   GET <endpoint>/_wharf/layers/<repository>/<digest>?expires=<epoch seconds>&signature=<mac>
//
// The URL is a bearer credential, like an S3 pre-signed URL: the MAC (HMAC-SHA256 under a key
// derived from the master key) binds repository, digest and expiry, and is checked in constant
// time. The bytes go out through the same code as `GET /v2/<name>/blobs/<digest>` (Range included),
// so a blob unlinked since the URL was signed is gone here too.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendBlob } from '../oci/blob-routes.js';
import { isDigest, isValidName, RegistryError } from '../registry/index.js';
import type { Runtime } from '../server/runtime.js';

export const LAYER_URL_PREFIX = '/_wharf/layers/';
/** The master-key derivation purpose of the URL signing key (runtime.iam.layerUrlKey). */
export const LAYER_URL_KEY_PURPOSE = 'layer-url-v1';
/** How long a download URL stays valid (checked when the download starts). */
export const LAYER_URL_TTL_SECONDS = 600;

function mac(key: Buffer, repository: string, digest: string, expires: number): Buffer {
  return createHmac('sha256', key).update(`wharf-layer-url\n${repository}\n${digest}\n${expires}`).digest();
}

/** A URL for `digest` of `repository`, valid until `expires` (epoch seconds). */
export function signLayerUrl(key: Buffer, endpoint: string, repository: string, digest: string, expires: number): string {
  const signature = mac(key, repository, digest, expires).toString('base64url');
  return `${endpoint}${LAYER_URL_PREFIX}${repository}/${digest}?expires=${expires}&signature=${signature}`;
}

/** True when `signature` was made by signLayerUrl for these values and `expires` has not passed. */
export function verifyLayerSignature(
  key: Buffer,
  repository: string,
  digest: string,
  expires: string | undefined,
  signature: string | undefined,
  nowSeconds: number,
): boolean {
  if (expires === undefined || signature === undefined || !/^\d{1,12}$/.test(expires) || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return false;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, repository, digest, Number(expires));
  return given.length === expected.length && timingSafeEqual(given, expected) && Number(expires) >= nowSeconds;
}

function denied(): RegistryError {
  return new RegistryError('DENIED', 'the layer URL is invalid or has expired; ask GetDownloadUrlForLayer for a new one');
}

export async function layerUrlPlugin(app: FastifyInstance, options: { runtime: Runtime }): Promise<void> {
  const { runtime } = options;
  app.get(`${LAYER_URL_PREFIX}*`, async (request, reply) => {
    const rawUrl = request.raw.url ?? '';
    const queryStart = rawUrl.indexOf('?');
    const path = (queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart)).slice(LAYER_URL_PREFIX.length);
    const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
    const cut = path.lastIndexOf('/');
    let repository: string;
    let digest: string;
    try {
      repository = decodeURIComponent(path.slice(0, Math.max(cut, 0)));
      digest = decodeURIComponent(path.slice(cut + 1));
    } catch {
      throw denied();
    }
    // Checked against the grammar before anything else, although a valid MAC implies it.
    if (cut < 0 || !isValidName(repository) || !isDigest(digest)) throw denied();
    const ok = verifyLayerSignature(runtime.iam.layerUrlKey, repository, digest, query.get('expires') ?? undefined, query.get('signature') ?? undefined, Date.now() / 1000);
    if (!ok) throw denied();
    await sendBlob(reply, runtime.registry.blobs, await runtime.registry.blobs.stat(repository, digest), request.headers.range);
    return reply;
  });
}
