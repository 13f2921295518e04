// Blob upload sessions: monolithic, POST+PUT, chunked PATCH, streamed PATCH, mount.
import { assertDigest, assertName, BLOB_MOUNTING_SETTING, RegistryError } from '../registry/index.js';
import type { OciCall } from './context.js';
import { parseContentRange } from './http.js';

const UPLOAD_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uploadLocation(name: string, id: string): string {
  return `/v2/${name}/blobs/uploads/${id}`;
}

/** Spec: `Range: 0-<last byte>`; distribution's convention "0-0" for an empty session is kept. */
function rangeHeader(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

function sendSession(call: OciCall, code: number, id: string, size: number): void {
  call.reply
    .code(code)
    .header('location', uploadLocation(call.params.name, id))
    .header('range', rangeHeader(size))
    .header('docker-upload-uuid', id)
    .header('oci-chunk-min-length', call.registry.uploads.minChunkLength)
    .header('content-length', 0)
    .send();
}

function sendCreated(call: OciCall, digest: string): void {
  call.reply
    .code(201)
    .header('location', `/v2/${call.params.name}/blobs/${digest}`)
    .header('docker-content-digest', digest)
    .header('content-length', 0)
    .send();
}

function uploadId(call: OciCall): string {
  const id = call.params.reference;
  if (!UPLOAD_ID_RE.test(id)) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { uuid: id });
  return id;
}

/** Content-Length of the request, when the client sent one. */
function declaredLength(call: OciCall): number | undefined {
  const header = call.request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

function hasBody(call: OciCall): boolean {
  const length = declaredLength(call);
  return length === undefined ? call.request.headers['transfer-encoding'] !== undefined : length > 0;
}

export async function startUpload(call: OciCall): Promise<void> {
  const { name } = call.params;
  const { mount, from, digest } = call.query;
  if (mount !== undefined) {
    assertDigest(mount);
    if (await tryMount(call, mount, from)) return sendCreated(call, mount);
  }
  const session = await call.registry.uploads.start(name, call.mayCreate);
  if (digest !== undefined) {
    // Monolithic upload: the whole blob in this one request.
    assertDigest(digest);
    const blob = await call.registry.uploads.complete(name, session.id, digest, call.request.raw, { length: declaredLength(call) });
    return sendCreated(call, blob.digest);
  }
  sendSession(call, 202, session.id, 0);
}

/** Links `digest` from `from` (or from any repository the caller may read) without moving bytes. */
async function tryMount(call: OciCall, digest: string, from: string | undefined): Promise<boolean> {
  // PutAccountSetting BLOB_MOUNTING=DISABLED: every blob is uploaded, as ECR then behaves.
  if ((await call.registry.repositories.setting(BLOB_MOUNTING_SETTING)) === 'DISABLED') return false;
  const candidates = from !== undefined ? [assertName(from)] : await call.registry.blobs.repositoriesHolding(digest);
  for (const source of candidates) {
    if (!(await call.access.authorize(call.principal, 'ecr:GetDownloadUrlForLayer', source, call.info))) continue;
    const linked = await call.registry.blobs.linkedDigests(source, [digest]);
    if (!linked.has(digest)) continue;
    await call.registry.repositories.ensureForPush(call.params.name, call.mayCreate);
    if (await call.registry.blobs.mount(call.params.name, source, digest)) return true;
  }
  return false;
}

export async function patchUpload(call: OciCall): Promise<void> {
  const id = uploadId(call);
  const range = parseContentRange(call.request.headers['content-range'] as string | undefined);
  try {
    const state = await call.registry.uploads.append(call.params.name, id, call.request.raw, {
      start: range?.start,
      length: range ? range.end - range.start + 1 : declaredLength(call),
    });
    sendSession(call, 202, id, state.size);
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'RANGE_INVALID') {
      const uploaded = (error.detail as { uploadedBytes?: number } | undefined)?.uploadedBytes ?? 0;
      call.reply
        .header('location', uploadLocation(call.params.name, id))
        .header('range', rangeHeader(uploaded))
        .header('docker-upload-uuid', id);
    }
    throw error;
  }
}

export async function putUpload(call: OciCall): Promise<void> {
  const id = uploadId(call);
  const digest = call.query.digest;
  if (digest === undefined) throw new RegistryError('DIGEST_INVALID', 'digest query parameter is required to finish an upload');
  assertDigest(digest);
  const range = parseContentRange(call.request.headers['content-range'] as string | undefined);
  const body = hasBody(call) ? call.request.raw : null;
  const blob = await call.registry.uploads.complete(call.params.name, id, digest, body, {
    start: range?.start,
    length: range ? range.end - range.start + 1 : declaredLength(call),
  });
  sendCreated(call, blob.digest);
}

export async function getUploadStatus(call: OciCall): Promise<void> {
  const id = uploadId(call);
  const state = await call.registry.uploads.status(call.params.name, id);
  sendSession(call, 204, id, state.size);
}

export async function cancelUpload(call: OciCall): Promise<void> {
  const id = uploadId(call);
  await call.registry.uploads.cancel(call.params.name, id);
  call.reply.code(204).header('content-length', 0).send();
}
