// Go module versions: semantic versions with a mandatory `v`, plus the shorthands `v1` and
// `v1.2` (for v1.0.0 and v1.2.0). Pseudo-versions (v0.0.0-20191109021931-daa7c04131f5,
// v1.2.4-0.20191109021931-daa7c04131f5) are ordinary pre-releases, and `+incompatible` is build
// metadata, so the semantic version order already places both correctly. OSV writes Go versions
// without the `v`; the comparison accepts either.
import * as semver from './semver.js';

const SHORTHAND = /^v(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))?$/;

export const compare = semver.compare;

export function isValid(version: string): boolean {
  return version.startsWith('v') && (semver.isValid(version) || SHORTHAND.test(version));
}
