// Image scanning through the ECR API: the registry scanning configuration, the effective
// configuration per repository, StartImageScan and DescribeImageScanFindings. The scanner itself
// lives in scan/; this file speaks ECR's shapes, limits, paging and exceptions.
import { AwsError } from '../aws/errors.js';
import { basicFinding, enhancedFinding, parseRegistryScanningConfiguration, ScanningConfigurationError } from '../scan/index.js';
import type { EcrCall, EcrOperation } from './operation.js';
import { describeId, echo, malformed, resolve, type ImageId } from './image-operations.js';
import { byRepositoryName, existingRepository, inRepository } from './repository-scope.js';
import { checkRegistryId, invalidParameter, listMember, optionalInteger, pageToken, readPageToken, repositoryName, structureMember } from './validation.js';

const seconds = (ms: number): number => ms / 1000;

// ---- registry configuration -----------------------------------------------------------------

export const putRegistryScanningConfiguration: EcrOperation = {
  action: 'ecr:PutRegistryScanningConfiguration',
  repository: () => null,
  handler: async (call) => {
    let configuration;
    try {
      configuration = parseRegistryScanningConfiguration(call.input);
    } catch (error) {
      if (error instanceof ScanningConfigurationError) throw new AwsError('ValidationException', error.message);
      throw error;
    }
    await call.runtime.scans.putRegistryConfiguration(configuration);
    return { registryScanningConfiguration: configuration };
  },
};

export const getRegistryScanningConfiguration: EcrOperation = {
  action: 'ecr:GetRegistryScanningConfiguration',
  repository: () => null,
  handler: async (call) => ({ registryId: call.runtime.registryId, scanningConfiguration: await call.runtime.scans.registryConfiguration() }),
};

export const batchGetRepositoryScanningConfiguration: EcrOperation = {
  action: 'ecr:BatchGetRepositoryScanningConfiguration',
  repository: (input) => (Array.isArray(input.repositoryNames) && typeof input.repositoryNames[0] === 'string' ? input.repositoryNames[0] : null),
  handler: async (call) => {
    const names = listMember(call.input, 'repositoryNames', 1, 25, true).map((value) => repositoryName({ repositoryName: value }));
    const checked = batchGetRepositoryScanningConfiguration.repository(call.input);
    const control = call.runtime.iam.control;
    const scanningConfigurations: Record<string, unknown>[] = [];
    const failures: Record<string, unknown>[] = [];
    for (const name of [...new Set(names)]) {
      if (name !== checked && !(await control.authorize(call.principal, 'ecr:BatchGetRepositoryScanningConfiguration', name, call.info))) {
        throw new AwsError('AccessDeniedException', `User: ${call.principal.arn} is not authorized to perform: ecr:BatchGetRepositoryScanningConfiguration on resource: ${control.repositoryArn(name)}`);
      }
      if (!(await call.runtime.registry.repositories.exists(name))) {
        failures.push({ repositoryName: name, failureCode: 'REPOSITORY_NOT_FOUND', failureReason: 'REPOSITORY_NOT_FOUND' });
        continue;
      }
      const effective = await call.runtime.scans.effective(name);
      scanningConfigurations.push({
        repositoryArn: control.repositoryArn(name),
        repositoryName: name,
        scanOnPush: effective.scanOnPush,
        scanFrequency: effective.scanFrequency,
        appliedScanFilters: effective.appliedScanFilters,
      });
    }
    return { scanningConfigurations, failures };
  },
};

// ---- one image --------------------------------------------------------------------------------

function readImageId(call: EcrCall): ImageId {
  const member = structureMember(call.input, 'imageId', true)!;
  const id: ImageId = {};
  if (typeof member.imageDigest === 'string') id.imageDigest = member.imageDigest;
  if (typeof member.imageTag === 'string') id.imageTag = member.imageTag;
  const bad = malformed(id);
  if (bad) throw invalidParameter('imageId', bad.failureReason);
  return id;
}

type StoredImage = NonNullable<Awaited<ReturnType<typeof resolve>>['manifest']>;

/** The stored image an imageId names, or ImageNotFoundException. */
async function imageOf(call: EcrCall, name: string, id: ImageId): Promise<StoredImage> {
  const found = await inRepository(call, name, () => resolve(call, name, id));
  if (found.failure) {
    throw new AwsError('ImageNotFoundException', `The image with imageId ${describeId(id)} does not exist within the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`);
  }
  return found.manifest;
}

function imageIdOut(id: ImageId, digest: string): ImageId {
  return { ...echo(id), imageDigest: digest };
}

/** The repository and image a StartImageScan or DescribeImageScanFindings names. */
async function targetImage(call: EcrCall): Promise<{ name: string; id: ImageId; image: StoredImage }> {
  checkRegistryId(call.input, call.runtime.registryId);
  const name = await existingRepository(call);
  const id = readImageId(call);
  return { name, id, image: await imageOf(call, name, id) };
}

export const startImageScan: EcrOperation = {
  action: 'ecr:StartImageScan',
  repository: byRepositoryName,
  handler: async (call) => {
    const { name, id, image } = await targetImage(call);
    if (image.subjectDigest !== null) throw new AwsError('UnsupportedImageTypeException', 'The image is a referrer (signature, SBOM or attestation) and cannot be scanned.');
    const record = await call.runtime.scans.request(name, image.digest);
    return {
      registryId: call.runtime.registryId,
      repositoryName: name,
      imageId: imageIdOut(id, image.digest),
      imageScanStatus: { status: record.status, description: record.description },
    };
  },
};

const FINDINGS_PAGE_KIND = 'DescribeImageScanFindings';

export const describeImageScanFindings: EcrOperation = {
  action: 'ecr:DescribeImageScanFindings',
  repository: byRepositoryName,
  handler: async (call) => {
    const limit = optionalInteger(call.input, 'maxResults', 1, 1000) ?? 100;
    const { name, id, image } = await targetImage(call);
    const scan = await call.runtime.scans.get(name, image.digest);
    if (!scan) {
      throw new AwsError('ScanNotFoundException', `Image scan does not exist for the image with '${describeId(id)}' in the repository with name '${name}' in the registry with id '${call.runtime.registryId}'`);
    }
    const out: Record<string, unknown> = {
      registryId: call.runtime.registryId,
      repositoryName: name,
      imageId: imageIdOut(id, image.digest),
      imageScanStatus: { status: scan.status, description: scan.description },
    };
    if (scan.completedAt === null || (scan.status !== 'COMPLETE' && scan.status !== 'ACTIVE')) return out;
    // A token names the scan it was cut from: a page of a newer scan is never mixed into it.
    const position = readPageToken(call.input, FINDINGS_PAGE_KIND);
    let offset = 0;
    if (position !== undefined) {
      const [completedAt, from] = position.split('/').map(Number);
      if (completedAt !== scan.completedAt || !Number.isSafeInteger(from) || from! < 0) {
        throw new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
      }
      offset = from!;
    }
    const page = scan.findings.slice(offset, offset + limit);
    const findings: Record<string, unknown> = {
      imageScanCompletedAt: seconds(scan.completedAt),
      ...(scan.sourceUpdatedAt !== null ? { vulnerabilitySourceUpdatedAt: seconds(scan.sourceUpdatedAt) } : {}),
      findingSeverityCounts: scan.severityCounts,
    };
    if (scan.scanType === 'ENHANCED') {
      const pushed = await call.runtime.registry.manifests.describe(name, [image.digest]);
      const context = {
        registryId: call.runtime.registryId,
        region: call.runtime.config.region,
        repository: name,
        imageDigest: image.digest,
        imageTags: pushed[0]?.tags ?? [],
        pushedAt: pushed[0]?.pushedAt ?? 0,
      };
      findings.enhancedFindings = page.map((f) => enhancedFinding(f, context));
    } else {
      findings.findings = page.map(basicFinding);
    }
    out.imageScanFindings = findings;
    if (offset + limit < scan.findings.length) out.nextToken = pageToken(FINDINGS_PAGE_KIND, `${scan.completedAt}/${offset + limit}`);
    return out;
  },
};

export const SCAN_OPERATIONS: Readonly<Record<string, EcrOperation>> = {
  PutRegistryScanningConfiguration: putRegistryScanningConfiguration,
  GetRegistryScanningConfiguration: getRegistryScanningConfiguration,
  BatchGetRepositoryScanningConfiguration: batchGetRepositoryScanningConfiguration,
  StartImageScan: startImageScan,
  DescribeImageScanFindings: describeImageScanFindings,
};
