export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export type ManifestKind = 'image' | 'index';

const KIND_OF: Record<string, ManifestKind> = {
  [MediaTypes.ociManifest]: 'image',
  [MediaTypes.dockerManifest]: 'image',
  [MediaTypes.ociIndex]: 'index',
  [MediaTypes.dockerManifestList]: 'index',
};

export function manifestKind(mediaType: string): ManifestKind | undefined {
  return KIND_OF[mediaType];
}

export function isSchema1(mediaType: string): boolean {
  return mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed;
}

export const SUPPORTED_MANIFEST_TYPES: readonly string[] = Object.keys(KIND_OF);
