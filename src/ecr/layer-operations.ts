// Layers: BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload,
// GetDownloadUrlForLayer. Upload sessions are UploadService's, the same ones `/v2/.../blobs/uploads/`
// drives, so a session started on one door can be continued on the other.
import { Readable } from 'node:stream';
import { AwsError } from '../aws/errors.js';
import { parseDigest, RegistryError } from '../registry/index.js';
import { LAYER_URL_TTL_SECONDS, signLayerUrl } from './download-urls.js';
import { IMAGE_OPERATIONS } from './image-operations.js';
import { byRepositoryName, existingRepository, inRepository, repositoryNotFound } from './repository-scope.js';
import type { EcrCall, EcrInput, EcrOperation } from './operation.js';
import { checkRegistryId, invalidParameter, listMember, optionalInteger, repositoryName, requiredString } from './validation.js';

/** What InitiateLayerUpload tells clients to send per part (ECR answers 10 MiB too). */
const PART_SIZE = 10 * 1024 * 1024;
/** layerPartBlob is at most 20 MiB once decoded (ECR's model). */
const MAX_PART_BYTES = 20 * 1024 * 1024;
const UPLOAD_ID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DIGEST_PATTERN = "must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'";

function uploadIdOf(input: EcrInput): string {
  const id = requiredString(input, 'uploadId');
  if (!UPLOAD_ID_RE.test(id)) {
    throw invalidParameter('uploadId', "must satisfy regular expression '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'");
  }
  // Session ids are issued in lower case.
  return id.toLowerCase();
}

function requiredInteger(input: EcrInput, member: string): number {
  if (input[member] === undefined || input[member] === null) {
    throw new AwsError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return optionalInteger(input, member, 0, Number.MAX_SAFE_INTEGER)!;
}

function uploadNotFound(call: EcrCall, name: string, id: string): AwsError {
  return new AwsError(
    'UploadNotFoundException',
    `The upload with id '${id}' does not exist in the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`,
  );
}

/** The upload session, or UploadNotFoundException. */
async function openSession(call: EcrCall, name: string, id: string) {
  try {
    return await call.runtime.registry.uploads.status(name, id);
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'BLOB_UPLOAD_UNKNOWN') throw uploadNotFound(call, name, id);
    throw error;
  }
}

function invalidPart(call: EcrCall, name: string, id: string, received: number, message: string): AwsError {
  return new AwsError('InvalidLayerPartException', message, 400, {
    registryId: call.runtime.registryId,
    repositoryName: name,
    uploadId: id,
    lastValidByteReceived: received - 1,
  });
}

// ---- BatchCheckLayerAvailability ----------------------------------------------------------------

export const batchCheckLayerAvailability: EcrOperation = {
  action: 'ecr:BatchCheckLayerAvailability',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const digests = listMember(call.input, 'layerDigests', 1, 100, true);
    const failures: Record<string, unknown>[] = [];
    const valid: string[] = [];
    for (const digest of digests) {
      if (digest === null || digest === undefined || digest === '') {
        failures.push({ layerDigest: digest ?? '', failureCode: 'MissingLayerDigest', failureReason: 'Invalid request parameters: layer digest cannot be null or empty' });
      } else if (typeof digest !== 'string' || digest.length > 1000 || !parseDigest(digest)) {
        failures.push({ layerDigest: String(digest), failureCode: 'InvalidLayerDigest', failureReason: `Invalid request parameters: layer digest ${DIGEST_PATTERN.replace('must satisfy', 'should satisfy')}` });
      } else if (!valid.includes(digest)) {
        valid.push(digest);
      }
    }
    const { blobs, manifests } = call.runtime.registry;
    const linked = await blobs.linkedDigests(name, valid);
    const mediaTypes = await inRepository(call, name, () => manifests.blobMediaTypes(name, [...linked]));
    const layers: Record<string, unknown>[] = [];
    for (const digest of valid) {
      if (!linked.has(digest)) {
        layers.push({ layerDigest: digest, layerAvailability: 'UNAVAILABLE' });
        continue;
      }
      let size: number;
      try {
        size = (await blobs.stat(name, digest)).size;
      } catch (error) {
        // Unlinked since the check above.
        if (error instanceof RegistryError && error.code === 'BLOB_UNKNOWN') {
          layers.push({ layerDigest: digest, layerAvailability: 'UNAVAILABLE' });
          continue;
        }
        throw error;
      }
      await blobs.refreshForPush(name, digest);
      const layer: Record<string, unknown> = { layerDigest: digest, layerAvailability: 'AVAILABLE', layerSize: size };
      const mediaType = mediaTypes.get(digest);
      if (mediaType !== undefined) layer.mediaType = mediaType;
      layers.push(layer);
    }
    return { layers, failures };
  },
};

// ---- InitiateLayerUpload ------------------------------------------------------------------------

export const initiateLayerUpload: EcrOperation = {
  action: 'ecr:InitiateLayerUpload',
  repository: byRepositoryName,
  handler: async (call) => {
    checkRegistryId(call.input, call.runtime.registryId);
    const name = repositoryName(call.input);
    // As on /v2/: a push may create the repository from a creation template.
    const mayCreate = (repo: string) => call.runtime.iam.control.authorize(call.principal, 'ecr:CreateRepository', repo, call.info);
    let session;
    try {
      session = await call.runtime.registry.uploads.start(name, mayCreate);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'NAME_UNKNOWN') throw repositoryNotFound(call, name);
      throw error;
    }
    return { uploadId: session.id, partSize: Math.max(PART_SIZE, call.runtime.registry.uploads.minChunkLength) };
  },
};

// ---- UploadLayerPart ----------------------------------------------------------------------------

export const uploadLayerPart: EcrOperation = {
  action: 'ecr:UploadLayerPart',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const id = uploadIdOf(call.input);
    const first = requiredInteger(call.input, 'partFirstByte');
    const last = requiredInteger(call.input, 'partLastByte');
    const encoded = requiredString(call.input, 'layerPartBlob');
    if (!BASE64_RE.test(encoded)) throw invalidParameter('layerPartBlob', 'must be base64-encoded');
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length > MAX_PART_BYTES) throw invalidParameter('layerPartBlob', `must have length less than or equal to ${MAX_PART_BYTES}`);
    const session = await openSession(call, name, id);
    if (bytes.length === 0 || last < first || last - first + 1 !== bytes.length) {
      throw invalidPart(call, name, id, session.size, `The layer part spans bytes ${first}-${last} but carries ${bytes.length} bytes`);
    }
    let state;
    try {
      state = await call.runtime.registry.uploads.append(name, id, Readable.from([bytes], { objectMode: false }), { start: first, length: bytes.length });
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'BLOB_UPLOAD_UNKNOWN') throw uploadNotFound(call, name, id);
      if (error instanceof RegistryError && error.code === 'RANGE_INVALID') {
        const uploaded = (error.detail as { uploadedBytes?: number } | undefined)?.uploadedBytes ?? session.size;
        throw invalidPart(call, name, id, uploaded, `The layer part must start at byte ${uploaded}, not ${first}`);
      }
      if (error instanceof RegistryError && error.code === 'BLOB_UPLOAD_INVALID') {
        const now = await openSession(call, name, id);
        throw invalidPart(call, name, id, now.size, error.message);
      }
      throw error;
    }
    return { registryId: call.runtime.registryId, repositoryName: name, uploadId: id, lastByteReceived: state.size - 1 };
  },
};

// ---- CompleteLayerUpload ------------------------------------------------------------------------

export const completeLayerUpload: EcrOperation = {
  action: 'ecr:CompleteLayerUpload',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const id = uploadIdOf(call.input);
    const digests = listMember(call.input, 'layerDigests', 1, 100, true);
    // The model takes a list, but a layer has exactly one digest.
    if (digests.length !== 1) throw invalidParameter('layerDigests', 'must contain exactly one layer digest');
    const digest = digests[0];
    if (typeof digest !== 'string' || !parseDigest(digest)) throw invalidParameter('layerDigests', DIGEST_PATTERN);
    const { uploads, blobs } = call.runtime.registry;
    const session = await openSession(call, name, id);
    if ((await blobs.linkedDigests(name, [digest])).has(digest)) {
      // As ECR: the layer is already there, and this session has nothing left to do.
      await uploads.cancel(name, id).catch(() => undefined);
      throw new AwsError(
        'LayerAlreadyExistsException',
        `The layer with digest '${digest}' already exists in the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`,
      );
    }
    if (session.size === 0 && session.verifiedDigest === null) {
      throw new AwsError('EmptyUploadException', `The upload with id '${id}' contains no layer parts`);
    }
    try {
      await uploads.complete(name, id, digest, null, {});
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'BLOB_UPLOAD_UNKNOWN') throw uploadNotFound(call, name, id);
      if (error instanceof RegistryError && error.code === 'DIGEST_INVALID') {
        throw new AwsError('InvalidLayerException', `The layer digest '${digest}' does not match the uploaded content`);
      }
      throw error;
    }
    return { registryId: call.runtime.registryId, repositoryName: name, uploadId: id, layerDigest: digest };
  },
};

// ---- GetDownloadUrlForLayer ---------------------------------------------------------------------

export const getDownloadUrlForLayer: EcrOperation = {
  action: 'ecr:GetDownloadUrlForLayer',
  repository: byRepositoryName,
  handler: async (call) => {
    const name = await existingRepository(call);
    const digest = requiredString(call.input, 'layerDigest', 1, 1000);
    if (!parseDigest(digest)) throw invalidParameter('layerDigest', DIGEST_PATTERN);
    const { blobs, manifests } = call.runtime.registry;
    if (!(await blobs.linkedDigests(name, [digest])).has(digest)) {
      throw new AwsError('LayersNotFoundException', `The layer with digest '${digest}' does not exist in the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`);
    }
    if (!(await manifests.blobMediaTypes(name, [digest])).has(digest)) {
      throw new AwsError('LayerInaccessibleException', `The layer with digest '${digest}' is not associated with an image in the repository with name '${name}'`);
    }
    const expires = Math.floor(Date.now() / 1000) + LAYER_URL_TTL_SECONDS;
    return { downloadUrl: signLayerUrl(call.runtime.iam.layerUrlKey, call.endpoint, name, digest, expires), layerDigest: digest };
  },
};

/** The image and layer operations, as ECR_OPERATIONS takes them. */
export const IMAGE_AND_LAYER_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  ...IMAGE_OPERATIONS,
  BatchCheckLayerAvailability: batchCheckLayerAvailability,
  InitiateLayerUpload: initiateLayerUpload,
  UploadLayerPart: uploadLayerPart,
  CompleteLayerUpload: completeLayerUpload,
  GetDownloadUrlForLayer: getDownloadUrlForLayer,
};
