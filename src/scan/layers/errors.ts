// The one error a layer walk raises when a layer cannot be read safely: malformed, truncated,
// of an unsupported type, or over a scan limit. Its `reason` is short, stable text for scan
// results and logs (`entries over 2000000`, `truncated gzip stream in layer sha256:…`). Failures
// that are not the layer's fault (the blob store's read errors, an abort, a visitor's own bug)
// pass through unchanged, so callers can tell "retry later" from "this image is unscannable".
export class LayerScanError extends Error {
  override readonly name = 'LayerScanError';

  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/** A problem found in one layer's bytes; the digest tells the reader which blob to look at. */
export function layerProblem(problem: string, layerDigest: string, cause?: unknown): LayerScanError {
  return new LayerScanError(`${problem} in layer ${layerDigest}`, cause === undefined ? undefined : { cause });
}
