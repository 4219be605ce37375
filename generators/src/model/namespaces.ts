// Groups operations into the namespace tree the clients expose:
// `projects.keys.rotate` lives in `client.projects.keys`.
import { compareStrings } from '../naming.js';
import type { Namespace, Operation } from './types.js';

function child(parent: Namespace, name: string): Namespace {
  let found = parent.children.find((c) => c.path[c.path.length - 1] === name);
  if (!found) {
    found = { path: [...parent.path, name], operations: [], children: [] };
    parent.children.push(found);
  }
  return found;
}

function sortTree(ns: Namespace): void {
  ns.children.sort((a, b) => compareStrings(a.path.join('.'), b.path.join('.')));
  ns.children.forEach(sortTree);
}

function checkClashes(ns: Namespace): void {
  for (const c of ns.children) {
    const name = c.path[c.path.length - 1];
    if (ns.operations.some((op) => op.name === name)) {
      throw new Error(`${[...ns.path, name].join('.')} is both an operation and a namespace`);
    }
    checkClashes(c);
  }
}

/** Builds the tree; `descriptions` are the tag descriptions, for top-level namespaces. */
export function buildNamespaces(operations: Operation[], descriptions: Map<string, string>): Namespace {
  const root: Namespace = { path: [], operations: [], children: [] };
  for (const op of operations) {
    const ns = op.namespace.reduce(child, root);
    if (ns.operations.some((o) => o.name === op.name)) throw new Error(`duplicate operationId ${op.id}`);
    ns.operations.push(op);
  }
  for (const top of root.children) top.description = descriptions.get(top.path[0] ?? '');
  sortTree(root);
  checkClashes(root);
  return root;
}

/** Every namespace of the tree below `ns`, depth first, `ns` excluded. */
export function descendants(ns: Namespace): Namespace[] {
  return ns.children.flatMap((c) => [c, ...descendants(c)]);
}
