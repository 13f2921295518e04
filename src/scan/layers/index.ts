// The scanner's layer walker: an image's layers read as streams, in order, whiteouts applied,
// nothing extracted to disk, no link followed, and every resource a hostile layer could exhaust
// capped (decompressed bytes, entries, per-file bytes, the zstd window, the analyzed-file index).
//
//   walkLayers(layers, visitor, limits?, signal?)  -> Map<path, visitor's result>
//     per layer:  open -> sniff gzip/zstd/plain -> decode -> meter -> tar entries
//     per entry:  normalise path (skip `..`) -> whiteout? -> placed in the merged view
//                 -> regular file the visitor wants and under maxFileBytes? read it and analyze
export { DEFAULT_SCAN_LIMITS } from './limits.js';
export { LayerScanError } from './errors.js';
export { walkLayers, type FileVisitor, type SkippedEntry, type SkipReason } from './walk.js';
