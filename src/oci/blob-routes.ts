import type { FastifyReply } from 'fastify';
import { assertDigest, RegistryError, type BlobInfo, type BlobService } from '../registry/index.js';
import type { OciCall } from './context.js';
import { parseByteRange } from './http.js';

export async function headBlob(call: OciCall): Promise<void> {
  const { name, reference } = call.params;
  assertDigest(reference);
  const blob = await call.registry.blobs.stat(name, reference);
  // Only a client that may push gets here with a push in mind; pulls use GET.
  await call.registry.blobs.refreshForPush(name, reference);
  call.reply
    .code(200)
    .header('content-length', blob.size)
    .header('content-type', 'application/octet-stream')
    .header('docker-content-digest', blob.digest)
    .header('accept-ranges', 'bytes')
    .header('etag', `"${blob.digest}"`)
    .send();
}

export async function getBlob(call: OciCall): Promise<void> {
  const { name, reference } = call.params;
  assertDigest(reference);
  const blobs = call.registry.blobs;
  const blob = await blobs.stat(name, reference);
  // The link was checked above: the URL only lets this client skip the node for the bytes.
  const direct = blob.size > 0 ? await blobs.directUrl(blob) : null;
  if (direct) {
    call.reply.code(307).header('location', direct).header('docker-content-digest', blob.digest).header('content-length', 0).send();
    return;
  }
  await sendBlob(call.reply, blobs, blob, call.request.headers.range);
}

/**
 * Streams a blob (already found linked to the repository asked for), honouring a single `Range`.
 * Shared by `GET /v2/.../blobs/` and the signed layer URLs of ECR's GetDownloadUrlForLayer.
 */
export async function sendBlob(reply: FastifyReply, blobs: BlobService, blob: BlobInfo, rangeHeader: string | undefined): Promise<void> {
  const range = parseByteRange(rangeHeader, blob.size);
  reply
    .header('content-type', 'application/octet-stream')
    .header('docker-content-digest', blob.digest)
    .header('accept-ranges', 'bytes')
    .header('etag', `"${blob.digest}"`)
    .header('cache-control', 'max-age=31536000');
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${blob.size}`);
    throw new RegistryError('RANGE_INVALID', 'requested range not satisfiable', { size: blob.size });
  }
  if (blob.size === 0) {
    reply.code(200).header('content-length', 0).send('');
    return;
  }
  const stream = await blobs.open(blob, range ?? undefined);
  if (range) {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${blob.size}`)
      .header('content-length', range.end - range.start + 1);
  } else {
    reply.code(200).header('content-length', blob.size);
  }
  return reply.send(stream);
}

export async function deleteBlob(call: OciCall): Promise<void> {
  const { name, reference } = call.params;
  assertDigest(reference);
  await call.registry.blobs.unlink(name, reference);
  call.reply.code(202).header('content-length', 0).send();
}
