// Values stored at slash-separated paths, as a tree of components, so that dropping a directory
// (a whiteout, or a file replacing it) is one map deletion however much lies beneath it.
interface TreeNode<T> {
  file?: { value: T };
  children?: Map<string, TreeNode<T>>;
}

/**
 * V8 heap cost of one node (object, map entry, key string, small map), measured on Node 20: what
 * the walker counts against its index budget, so that hostile paths (deep, all distinct) cannot
 * grow the tree without bound.
 */
export const TREE_NODE_BYTES = 240;

export class PathTree<T> {
  private readonly root: TreeNode<T> = {};

  /** Stores `value` at `path`; returns how many nodes that added. */
  set(path: readonly string[], value: T): number {
    let node = this.root;
    let added = 0;
    for (const name of path) {
      node.children ??= new Map();
      let child = node.children.get(name);
      if (!child) {
        child = {};
        node.children.set(name, child);
        added += 1;
      }
      node = child;
    }
    node.file = { value };
    return added;
  }

  /** Drops `path` and everything beneath it. */
  removeSubtree(path: readonly string[]): void {
    if (path.length === 0) {
      this.removeChildren(path);
      return;
    }
    this.find(path.slice(0, -1))?.children?.delete(path[path.length - 1]!);
  }

  /** Drops everything beneath `path`, keeping `path` itself. */
  removeChildren(path: readonly string[]): void {
    const node = this.find(path);
    if (node) delete node.children;
  }

  /** Drops the value at `path`, keeping what is beneath it. */
  removeValue(path: readonly string[]): void {
    const node = this.find(path);
    if (node) delete node.file;
  }

  /** Drops values stored at any proper ancestor of `path` (they have become directories). */
  removeAncestorValues(path: readonly string[]): void {
    let node: TreeNode<T> | undefined = this.root;
    for (let depth = 0; depth < path.length - 1 && node; depth++) {
      node = node.children?.get(path[depth]!);
      if (node) delete node.file;
    }
  }

  /** Every stored value with its path ("a/b/c"), parents before children. */
  *entries(): Generator<[string, T]> {
    // Depth-first with one shared name stack, so a deep path costs its depth once, not squared.
    const names: string[] = [];
    const levels: Iterator<[string, TreeNode<T>]>[] = [childrenOf(this.root)];
    while (levels.length > 0) {
      const step = levels[levels.length - 1]!.next();
      if (step.done) {
        levels.pop();
        names.pop();
        continue;
      }
      const [name, child] = step.value;
      names.push(name);
      if (child.file) yield [names.join('/'), child.file.value];
      levels.push(childrenOf(child));
    }
  }

  private find(path: readonly string[]): TreeNode<T> | undefined {
    let node: TreeNode<T> | undefined = this.root;
    for (const name of path) {
      node = node.children?.get(name);
      if (!node) return undefined;
    }
    return node;
  }
}

function childrenOf<T>(node: TreeNode<T>): Iterator<[string, TreeNode<T>]> {
  return (node.children ?? new Map<string, TreeNode<T>>()).entries();
}
