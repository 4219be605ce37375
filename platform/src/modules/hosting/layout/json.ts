import {
  findNodeAtLocation,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { readSkillTool, type SkillTool } from '../skills/declare.js';
import { isTable, kindOf, LayoutIssues, stringAt, stringListAt, type Table, warnUnknown } from './issues.js';
import { type Position, positionAt } from './locate.js';
import { WORKER_NAME } from './toml.js';

export const JSON_FILE = 'aerostack.json';

export const WORKER_KINDS = ['function', 'mcp-server', 'skill'] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];
const VISIBILITIES = ['private', 'team', 'public'] as const;
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The fields of `aerostack.json`, validated (seed 004's MCP manifest). */
export interface Manifest {
  name: string;
  slug: string;
  version?: string;
  description?: string;
  category?: string;
  tags?: string[];
  secrets?: string[];
  visibility?: (typeof VISIBILITIES)[number];
  readme?: string;
  license?: string;
  /** A skill's one tool (kind `skill` only, decision 0053). */
  tool?: SkillTool;
}

/** `tags[2].x` → `['tags', 2, 'x']`, the path jsonc-parser finds nodes by. */
function segmentsOf(path: string): (string | number)[] {
  return path
    .split(/\.|(?=\[)/)
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s));
}

/** Where the key at `path` is written (its property's start), or its nearest written parent. */
function locator(text: string, tree: Node | undefined): (path: string) => Position {
  return (path) => {
    const segments = segmentsOf(path);
    while (tree && segments.length > 0) {
      const node = findNodeAtLocation(tree, segments);
      if (node) return positionAt(text, node.parent?.type === 'property' ? node.parent.offset : node.offset);
      segments.pop();
    }
    return tree ? positionAt(text, tree.offset) : { line: 1, column: 1 };
  };
}

/**
 * Parses and validates `aerostack.json` (JSON with comments and trailing commas, as
 * `wrangler.jsonc`); `manifest` is null when it has errors (they are in `issues`).
 */
export function readJson(text: string): {
  manifest: Manifest | null;
  kind: WorkerKind;
  issues: LayoutIssues;
} {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const issues = new LayoutIssues(JSON_FILE, locator(text, tree));
  const first = errors[0];
  if (first) {
    issues.errorAt(
      positionAt(text, first.offset),
      `${JSON_FILE} is not valid JSON: ${printParseErrorCode(first.error)}.`,
    );
    return { manifest: null, kind: 'mcp-server', issues };
  }
  const doc: unknown = tree ? getNodeValue(tree) : undefined;
  if (!isTable(doc)) {
    issues.errorAt({ line: 1, column: 1 }, `${JSON_FILE} must hold an object, not ${kindOf(doc)}.`);
    return { manifest: null, kind: 'mcp-server', issues };
  }
  warnUnknown(issues, doc, '', [
    'name',
    'slug',
    'version',
    'description',
    'category',
    'tags',
    'secrets',
    'visibility',
    'readme',
    'license',
    'kind',
    'tool',
  ]);
  const kind = (stringAt(issues, doc, '', 'kind', {
    pattern: new RegExp(`^(${WORKER_KINDS.join('|')})$`),
    expect: `must be one of ${WORKER_KINDS.join(', ')}`,
  }) ?? 'mcp-server') as WorkerKind;
  const manifest = manifestOf(issues, doc);
  const tool = readSkillTool(issues, doc, kind === 'skill');
  if (tool) manifest.tool = tool;
  return { manifest: issues.errors.length > 0 ? null : manifest, kind, issues };
}

function manifestOf(issues: LayoutIssues, doc: Table): Manifest {
  const text = (key: string, maxLength: number) => stringAt(issues, doc, '', key, { maxLength });
  const optional = {
    version: stringAt(issues, doc, '', 'version', {
      pattern: /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/,
      expect: 'must be a semantic version (1.0.0)',
    }),
    description: text('description', 500),
    category: stringAt(issues, doc, '', 'category', {
      pattern: /^[a-z0-9]+(-[a-z0-9]+)*$/,
      expect: 'must be lower-case words joined by hyphens (developer-tools)',
    }),
    tags:
      doc.tags === undefined
        ? undefined
        : stringListAt(issues, doc, '', 'tags', {
            pattern: /^[a-z0-9][a-z0-9-]{0,49}$/,
            expect: 'must be a lower-case tag (letters, digits, hyphens; at most 50)',
            maxItems: 20,
          }),
    secrets:
      doc.secrets === undefined
        ? undefined
        : stringListAt(issues, doc, '', 'secrets', {
            pattern: SECRET_NAME,
            expect:
              'must be a secret name (upper-case letters, digits and underscores, starting with a letter)',
            maxItems: 100,
          }),
    visibility: stringAt(issues, doc, '', 'visibility', {
      pattern: new RegExp(`^(${VISIBILITIES.join('|')})$`),
      expect: `must be one of ${VISIBILITIES.join(', ')}`,
    }) as Manifest['visibility'],
    readme: text('readme', 1024),
    license: text('license', 100),
  };
  const manifest: Manifest = {
    name:
      stringAt(issues, doc, '', 'name', {
        required: true,
        pattern: /\S/,
        expect: 'must not be empty',
        maxLength: 100,
      }) ?? '',
    slug:
      stringAt(issues, doc, '', 'slug', {
        required: true,
        pattern: WORKER_NAME,
        expect: 'must be lower-case letters, digits and inner hyphens, at most 63 characters',
      }) ?? '',
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(manifest, { [key]: value });
  }
  return manifest;
}
