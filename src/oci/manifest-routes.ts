import { RegistryError, parseReference } from '../registry/index.js';
import type { OciCall } from './context.js';
import { acceptedTypes, acceptsMediaType, readBoundedBody } from './http.js';

/** `pull`: the bytes are about to be served (GET), so a pull block applies; HEAD only looks. */
async function resolveForRead(call: OciCall, pull = false) {
  const { name, reference } = call.params;
  parseReference(reference);
  const manifest = await call.registry.manifests.get(name, reference);
  const accepted = acceptedTypes(call.request.headers.accept);
  if (!acceptsMediaType(accepted, manifest.mediaType)) {
    throw new RegistryError('MANIFEST_UNKNOWN', `manifest is ${manifest.mediaType}, which the client does not accept`, {
      mediaType: manifest.mediaType,
      accepted,
    });
  }
  if (pull) await call.registry.hooks.beforePull(name, manifest.digest);
  call.reply
    .code(200)
    .header('content-type', manifest.mediaType)
    .header('docker-content-digest', manifest.digest)
    .header('etag', `"${manifest.digest}"`)
    .header('content-length', manifest.content.length);
  return manifest;
}

export async function headManifest(call: OciCall): Promise<void> {
  await resolveForRead(call);
  call.reply.send();
}

export async function getManifest(call: OciCall): Promise<void> {
  const manifest = await resolveForRead(call, true);
  await call.registry.pulls.record(call.params.name, manifest.digest, call.principal.arn);
  call.reply.send(manifest.content);
}

export async function putManifest(call: OciCall): Promise<void> {
  const { name, reference } = call.params;
  parseReference(reference);
  const bytes = await readBoundedBody(call.request.raw, call.registry.manifests.maxBytes);
  const result = await call.registry.manifests.put(name, reference, bytes, call.request.headers['content-type'], call.mayCreate);
  if (result.subjectDigest) call.reply.header('oci-subject', result.subjectDigest);
  call.reply
    .code(201)
    .header('location', `/v2/${name}/manifests/${result.digest}`)
    .header('docker-content-digest', result.digest)
    .header('content-length', 0)
    .send();
}

export async function deleteManifest(call: OciCall): Promise<void> {
  await call.registry.manifests.delete(call.params.name, call.params.reference);
  call.reply.code(202).header('content-length', 0).send();
}
