// SBOM export: the inventory of one image as CycloneDX 1.5 or SPDX 2.3 JSON. Both are pure
// functions of (inventory, image), deterministic down to the document ids.
export { CYCLONEDX_MEDIA_TYPE, toCycloneDx, type CycloneDxDocument } from './cyclonedx.js';
export { SPDX_MEDIA_TYPE, toSpdx, type SpdxDocument } from './spdx.js';
export type { SbomImage } from './identifiers.js';
