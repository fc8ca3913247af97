/**
 * Matching of normalization hint paths (`properties.securityRules.properties.sourceAddressPrefixes`,
 * `**.etag`, `properties.*.lastSyncTime`) while the normalizer walks a resource. Arrays are
 * transparent: an array's elements live at the array's path. Patterns compile into a trie that the
 * walk steps through one property name at a time, so deep nodes that no pattern reaches cost nothing.
 */

/** What a hint path says about the value it reaches. */
export interface HintFlags {
  volatile?: boolean;
  secret?: boolean;
  ordered?: boolean;
  unordered?: boolean;
  keyFields?: string[];
}

/** A node of the compiled hint trie. */
export interface HintNode {
  children: Map<string, HintNode>;
  /** `*`: any one name. */
  star?: HintNode;
  /** Names with a wildcard inside (`lastModified*`). */
  globs?: Array<[RegExp, HintNode]>;
  /** `**`: the node reached after zero or more names. */
  globstar?: HintNode;
  /** True for a `**` node: it stays active while the walk descends. */
  isGlobstar?: boolean;
  flags?: HintFlags;
  /** The states reached from this node alone by each name, remembered (see {@link stepState}). */
  steps?: Map<string, HintState>;
}

/** The active trie nodes at one point of a walk. Empty for almost every deep node. */
export type HintState = readonly HintNode[];

/** The state of a walk that no pattern reaches. */
export const NO_HINTS: HintState = Object.freeze([]) as HintState;

/**
 * A new trie node. Every field is set (unset ones `undefined`) so that all nodes share one object
 * shape and the walk's reads of them stay on their fast path.
 */
export function newNode(isGlobstar?: boolean): HintNode {
  return {
    children: new Map(),
    star: undefined,
    globs: undefined,
    globstar: undefined,
    isGlobstar,
    flags: undefined,
    steps: undefined,
  };
}

/** Adds one pattern to a trie and returns its terminal node. */
export function addPattern(root: HintNode, pattern: string): HintNode {
  let node = root;
  for (const segment of splitHintPath(pattern)) {
    if (segment === "**") {
      node.globstar ??= newNode(true);
      node = node.globstar;
    } else if (segment === "*") {
      node.star ??= newNode();
      node = node.star;
    } else if (segment.includes("*")) {
      node.globs ??= [];
      let entry = node.globs.find(([regex]) => regex.source === globSource(segment));
      if (!entry) {
        entry = [new RegExp(globSource(segment)), newNode()];
        node.globs.push(entry);
      }
      node = entry[1];
    } else {
      let child = node.children.get(segment);
      if (!child) {
        child = newNode();
        node.children.set(segment, child);
      }
      node = child;
    }
  }
  return node;
}

/** Splits a hint path on dots; `[...]` array selectors, if a user wrote them, are ignored (arrays are transparent). */
export function splitHintPath(pattern: string): string[] {
  return pattern
    .replace(/\[[^\]]*\]/g, "")
    .split(".")
    .filter((segment) => segment.length > 0);
}

function globSource(segment: string): string {
  return `^${segment
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*")}$`;
}

function pushClosure(out: HintNode[], node: HintNode): void {
  if (!out.includes(node)) out.push(node);
  if (node.globstar && !out.includes(node.globstar)) out.push(node.globstar);
}

/** The state at the root of a resource. */
export function rootState(root: HintNode): HintState {
  const out: HintNode[] = [];
  pushClosure(out, root);
  return out.length === 1 && root.children.size === 0 && !root.star && !root.globs ? NO_HINTS : out;
}

/** Names remembered per trie node; ids used as property names must not grow it without end. */
const STEP_CACHE_LIMIT = 512;

/** The state after descending into property `name`. */
export function stepState(state: HintState, name: string): HintState {
  if (state.length === 0) return NO_HINTS;
  // Most walks are in a one-node state: what a name leads to from it is remembered on the node.
  if (state.length === 1) {
    const node = state[0]!;
    let next = node.steps?.get(name);
    if (next === undefined) {
      next = computeStep(state, name);
      node.steps ??= new Map();
      if (node.steps.size < STEP_CACHE_LIMIT) node.steps.set(name, next);
    }
    return next;
  }
  return computeStep(state, name);
}

function computeStep(state: HintState, name: string): HintState {
  // Allocated only when a pattern goes on: most steps of a walk match nothing.
  let out: HintNode[] | undefined;
  for (const node of state) {
    const child = node.children.get(name);
    if (child) {
      out = out ?? [];
      pushClosure(out, child);
    }
    if (node.star) {
      out = out ?? [];
      pushClosure(out, node.star);
    }
    if (node.globs) {
      for (const [regex, target] of node.globs) {
        if (!regex.test(name)) continue;
        out = out ?? [];
        pushClosure(out, target);
      }
    }
    if (node.isGlobstar) {
      out = out ?? [];
      pushClosure(out, node);
    }
  }
  return out ?? NO_HINTS;
}

/**
 * Merges flags: each flag `added` sets replaces the one in `base`. The result always has every
 * field (unset ones `undefined`), so all flags share one object shape and the walks that read them
 * stay on their fast path whatever mix of flags they meet.
 */
export function mergeFlags(base: HintFlags | undefined, added: HintFlags): HintFlags {
  return {
    volatile: added.volatile ?? base?.volatile,
    secret: added.secret ?? base?.secret,
    ordered: added.ordered ?? base?.ordered,
    unordered: added.unordered ?? base?.unordered,
    keyFields: added.keyFields ?? base?.keyFields,
  };
}

/** The flags of the patterns that end exactly at this state, merged. */
export function stateFlags(state: HintState): HintFlags | undefined {
  let merged: HintFlags | undefined;
  for (const node of state) {
    if (!node.flags) continue;
    merged = merged ? mergeFlags(merged, node.flags) : node.flags;
  }
  return merged;
}
