// The merged view of an image's layers as the runtime would see it, kept only for the files the
// walker analyzed. Two trees: `lower` is every layer applied so far, `upper` the layer being read.
// Whiteouts change only `lower` (OCI: a whiteout never hides entries of its own layer, wherever
// they sit in the tar), and `upper` is merged down once its layer is complete.
//
//   entry kind in the layer            effect on lower (and on upper, for plain entries)
//   any entry at a/b/c                 a and a/b are directories now: files stored there go
//   non-directory at P                 P and everything beneath it go (replaced)
//   directory at P                     a file at P goes; what is beneath P stays (merged)
//   whiteout .wh.N in D                lower: D/N and everything beneath it go
//   opaque .wh..wh..opq in D           lower: everything beneath D goes
import { PathTree, TREE_NODE_BYTES } from './path-tree.js';

export class OverlayView<T> {
  private readonly lower = new PathTree<T>();
  private upper = new PathTree<T>();
  private lowerBytes = 0;
  private upperBytes = 0;

  /** A plain entry of the current layer (content, link, directory, device) exists at `path`. */
  occupy(path: readonly string[], isDirectory: boolean): void {
    for (const tree of [this.lower, this.upper]) {
      tree.removeAncestorValues(path);
      if (isDirectory) tree.removeValue(path);
      else tree.removeSubtree(path);
    }
  }

  whiteout(target: readonly string[]): void {
    this.lower.removeAncestorValues(target);
    this.upper.removeAncestorValues(target);
    this.lower.removeSubtree(target);
  }

  opaque(directory: readonly string[]): void {
    this.occupy(directory, true);
    this.lower.removeChildren(directory);
  }

  /** Keeps what was learnt from the current layer's file at `path`. */
  record(path: readonly string[], value: T): void {
    this.upperBytes += estimatedCost(path, this.upper.set(path, value));
  }

  /** Merges the finished layer down. */
  commitLayer(): void {
    for (const [path, value] of this.upper.entries()) {
      const components = path.split('/');
      this.lowerBytes += estimatedCost(components, this.lower.set(components, value));
    }
    this.upper = new PathTree<T>();
    this.upperBytes = 0;
  }

  /**
   * Roughly the heap both trees and the final map's paths take: added tree nodes and path strings.
   * Removals are not credited back, so it can only overstate.
   */
  get retainedBytes(): number {
    return this.lowerBytes + this.upperBytes;
  }

  files(): Map<string, T> {
    return new Map(this.lower.entries());
  }
}

function estimatedCost(path: readonly string[], addedNodes: number): number {
  const pathLength = path.reduce((length, name) => length + name.length + 1, 0);
  return pathLength + TREE_NODE_BYTES * addedNodes;
}
