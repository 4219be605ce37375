// The files of `scaffoldProject`'s templates (decision 0055). Each is a function of the validated
// options, so a template is read top to bottom as the file it writes.

/** A store the platform wires into `env`, by the short name `scaffoldProject` takes. */
export type ScaffoldBinding = 'db' | 'cache' | 'storage' | 'queue' | 'ai' | 'vector';

/** The options after validation: every name checked, defaults filled in. */
export interface ProjectSpec {
  template: 'mcp-server' | 'function' | 'skill';
  name: string;
  slug: string;
  description: string;
  bindings: readonly ScaffoldBinding[];
  secrets: readonly string[];
}

/**
 * The compatibility date written into `aerostack.toml`: one the platform's workerd (Miniflare
 * 4.20260426) accepts, and late enough for the MCP SDK's web-standard transport.
 */
export const COMPATIBILITY_DATE = '2025-06-01';

/** The versions `package.json` pins: the ones `@aerostack/node` is tested against. */
export const PINNED = {
  '@modelcontextprotocol/sdk': '1.32.2',
  zod: '4.6.7',
  '@cloudflare/workers-types': '4.20260702.1',
  typescript: '5.9.3',
} as const;

/** Each binding's `aerostack.toml` table, its name in `env`, and its type from workers-types. */
const BINDINGS: Record<ScaffoldBinding, { table: string; env: string; type: string; what: string }> = {
  db: {
    table: '[[d1_databases]]\nbinding = "DB"',
    env: 'DB',
    type: 'D1Database',
    what: "the project's SQL database, D1's API",
  },
  cache: {
    table: '[[kv_namespaces]]\nbinding = "CACHE"',
    env: 'CACHE',
    type: 'KVNamespace',
    what: "the project's cache, KV's API",
  },
  storage: {
    table: '[[r2_buckets]]\nbinding = "STORAGE"',
    env: 'STORAGE',
    type: 'R2Bucket',
    what: "the project's object storage, R2's API",
  },
  queue: {
    table: '[[queues.producers]]\nbinding = "QUEUE"\nqueue = "default"',
    env: 'QUEUE',
    type: 'Queue',
    what: "the project's queue, Queues' API",
  },
  ai: {
    table: '[ai]\nbinding = "AI"',
    env: 'AI',
    type: 'Ai',
    what: "the project's AI providers, Workers AI's API",
  },
  vector: {
    table: '[[vectorize]]\nbinding = "VECTORIZE"\nindex_name = "default"',
    env: 'VECTORIZE',
    type: 'VectorizeIndex',
    what: "the project's vector index `default`, Vectorize's API",
  },
};

/** The order the tables are written in: the arrays of tables, then `[ai]`, whatever order was asked. */
const ORDER: readonly ScaffoldBinding[] = ['db', 'cache', 'storage', 'queue', 'vector', 'ai'];

const ordered = (spec: ProjectSpec) => ORDER.filter((b) => spec.bindings.includes(b));

function aerostackToml(spec: ProjectSpec): string {
  const vars = spec.secrets.map((s) => `${s} = ""`);
  if (spec.template === 'function') vars.push('GREETING = "Hello"');
  const tables = ordered(spec).map(
    (b) => `# env.${BINDINGS[b].env}: ${BINDINGS[b].what}.\n${BINDINGS[b].table}`,
  );
  return `name = "${spec.name}"
main = "src/index.ts"
compatibility_date = "${COMPATIBILITY_DATE}"
compatibility_flags = ["nodejs_compat"]

# [vars] reach env as text. Their names are the config schema; the first is the primary
# credential (auth_secret_key). A project secret of the same name replaces the value here.
[vars]
${vars.length > 0 ? vars.join('\n') : '# API_TOKEN = ""'}
${tables.map((t) => `\n${t}\n`).join('')}`;
}

function aerostackJson(spec: ProjectSpec): string {
  const json: Record<string, unknown> = {
    kind: spec.template,
    name: spec.name,
    slug: spec.slug,
    version: '0.1.0',
    description: spec.description,
  };
  if (spec.secrets.length > 0) json.secrets = [...spec.secrets];
  json.visibility = 'private';
  if (spec.template === 'skill') json.tool = skillTool(spec);
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** A skill's one tool (decision 0053): named after the slug, one required text argument. */
function skillTool(spec: ProjectSpec) {
  return {
    name: spec.slug.replace(/-/g, '_'),
    description: spec.description,
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', description: 'The text to work on.' } },
      required: ['text'],
      additionalProperties: false,
    },
    annotations: { title: spec.name, readOnlyHint: true },
  };
}

const capitalized = (text: string) => text[0]?.toUpperCase() + text.slice(1);

/** `interface Env` listing the `[vars]` and the declared bindings, as the code sees them. */
function envInterface(spec: ProjectSpec): string {
  const lines = spec.secrets.map(
    (s) => `  /** From [vars]: "" unless the project sets a secret ${s}. */\n  ${s}: string;`,
  );
  if (spec.template === 'function') lines.push('  GREETING: string;');
  for (const b of ordered(spec))
    lines.push(`  /** ${capitalized(BINDINGS[b].what)}. */\n  ${BINDINGS[b].env}: ${BINDINGS[b].type};`);
  return `/** What the platform puts in \`env\`: the [vars] of aerostack.toml, project secrets, bindings. */
interface Env {
${lines.length > 0 ? lines.join('\n') : '  // [vars], secrets and bindings, as you declare them.'}
}`;
}

/**
 * A module specifier of generated code, quoted. Written this way so that this package's own text
 * holds no \`from '<package>'\` it does not import (its dist test reads its runtime imports there).
 */
const quoted = (specifier: string) => `'${specifier}'`;

/** How an MCP server reads the secrets it declares (only written when it declares some). */
const WORKSPACE_SECRET = `
/**
 * A workspace secret, as the gateway sends it to this server: an \`X-Mcp-Secret-<NAME>\` header of
 * the request, never in \`env\`. Null when the workspace has not set it.
 */
function workspaceSecret(request: Request, name: string): string | null {
  return request.headers.get(\`x-mcp-secret-\${name}\`);
}
`;

function mcpServerIndex(spec: ProjectSpec): string {
  return `import { McpServer } from ${quoted('@modelcontextprotocol/sdk/server/mcp.js')};
import { WebStandardStreamableHTTPServerTransport } from ${quoted('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js')};
import { z } from ${quoted('zod')};

${envInterface(spec)}
${spec.secrets.length > 0 ? WORKSPACE_SECRET : ''}
/**
 * The server and its tools. One server per request (stateless), so a tool sees the request it
 * answers (its secret headers) and \`env\`.
 */
function createServer(request: Request, env: Env): McpServer {
  const server = new McpServer({ name: '${spec.slug}', version: '0.1.0' });
  server.registerTool(
    'hello',
    {
      description: 'Greets someone by name.',
      inputSchema: { name: z.string().describe('Who to greet.') },
    },
    async ({ name }) => ({ content: [{ type: 'text', text: \`Hello, \${name}!\` }] }),
  );
  return server;
}

export default {
  /** MCP over Streamable HTTP at /mcp: the URL the catalogue and the workspaces use. */
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname !== '/mcp') {
      return new Response('This MCP server answers at /mcp.', { status: 404 });
    }
    const server = createServer(request, env);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    return transport.handleRequest(request);
  },
};
`;
}

function functionIndex(spec: ProjectSpec): string {
  return `${envInterface(spec)}

export default {
  /** Answers at /fn/<project>/${spec.name}/…; the path here is what follows the worker's name. */
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/') {
      const name = url.searchParams.get('name') ?? 'world';
      return Response.json({ message: \`\${env.GREETING}, \${name}!\` });
    }
    return new Response('Not found', { status: 404 });
  },
};
`;
}

function skillIndex(spec: ProjectSpec): string {
  return `${envInterface(spec)}

/** The tool's arguments, already checked by the platform against aerostack.json's inputSchema. */
interface Args {
  text: string;
}

export default {
  /**
   * The platform answers MCP for this skill and POSTs each call's arguments here as JSON; the
   * workspace's secrets arrive as X-Mcp-Secret-<NAME> headers. A 2xx answer's text is the tool's
   * result; any other status is an error result.
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method !== 'POST') return new Response('Call this skill as an MCP tool.', { status: 405 });
    const { text } = (await request.json()) as Args;
    return new Response(\`\${text.length} characters, \${text.trim().split(/\\s+/).filter(Boolean).length} words\`);
  },
};
`;
}

function packageJson(spec: ProjectSpec): string {
  const json = {
    name: spec.slug,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { typecheck: 'tsc --noEmit' },
    ...(spec.template === 'mcp-server'
      ? {
          dependencies: { '@modelcontextprotocol/sdk': PINNED['@modelcontextprotocol/sdk'], zod: PINNED.zod },
        }
      : {}),
    devDependencies: {
      '@cloudflare/workers-types': PINNED['@cloudflare/workers-types'],
      typescript: PINNED.typescript,
    },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022'],
      types: ['@cloudflare/workers-types'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

const WHAT: Record<ProjectSpec['template'], string> = {
  'mcp-server':
    "Its tools, defined in `src/index.ts`, land in the project's catalogue on deploy; a workspace adds the server by its catalogue URL and calls them through its gateway.",
  function: 'Its `fetch` handler answers HTTP at `/fn/<project>/<name>/…`.',
  skill:
    'One tool, declared in `aerostack.json`: the platform serves it as an MCP tool and answers a call by POSTing its arguments to `src/index.ts`.',
};

function readme(spec: ProjectSpec): string {
  const bindings = ordered(spec).map((b) => `- \`env.${BINDINGS[b].env}\`: ${BINDINGS[b].what}`);
  const secrets =
    spec.template === 'function'
      ? 'Project secrets (`admin.hosting.secrets.set`) arrive in `env`.'
      : "A workspace's secrets arrive as `X-Mcp-Secret-<NAME>` request headers, never in `env`; list their names in `aerostack.json` `secrets` and `aerostack.toml` `[vars]`.";
  return `# ${spec.name}

${spec.description}

${WHAT[spec.template]}

## Layout

- \`src/index.ts\`: the code (a Workers-style module).
- \`aerostack.json\`: name, slug, version, description, secrets, visibility${spec.template === 'skill' ? ', and the tool' : ''}.
- \`aerostack.toml\`: the worker (\`name\`, \`main\`, \`compatibility_date\`), \`[vars]\` and bindings.

## Develop and deploy

\`\`\`sh
npm install
npm run typecheck
\`\`\`

\`\`\`ts
import { createAdminClient } from ${quoted('@aerostack/node')};

const admin = createAdminClient({ url: 'https://aerostack.example.com', accountKey: process.env.AEROSTACK_ACCOUNT_KEY! });
const projectId = process.env.AEROSTACK_PROJECT_ID!;
const { worker, version } = await admin.hosting.deploy(projectId, '.');
${spec.template === 'function' ? '' : catalogue(spec)}\`\`\`

## Secrets and bindings

${secrets}

${bindings.length > 0 ? bindings.join('\n') : 'No bindings are declared; `env.DB`, `env.CACHE`, `env.STORAGE`, `env.QUEUE`, `env.AI` and `env.VECTORIZE` are there anyway.'}
`;
}

/** README lines for an MCP server or skill: its catalogue URL is what a workspace adds. */
const catalogue = (spec: ProjectSpec) => `
// Its catalogue entry: tools, manifest, and the URL a workspace adds.
const { url } = await admin.hosting.catalog.get(projectId, '${spec.slug}');
await admin.workspaces.servers.create(workspaceId, {
  name: '${spec.name}',
  slug: '${spec.slug}',
  url,
  secretHeaders: ${JSON.stringify(spec.secrets).replace(/"/g, "'").replace(/,/g, ', ')},
});
`;

const GITIGNORE = 'node_modules/\n.aerostack/\n';

/** Every file of the project, in the order they are written. */
export function projectFiles(spec: ProjectSpec): { path: string; content: string }[] {
  const index = { 'mcp-server': mcpServerIndex, function: functionIndex, skill: skillIndex }[spec.template];
  return [
    { path: 'src/index.ts', content: index(spec) },
    { path: 'aerostack.json', content: aerostackJson(spec) },
    { path: 'aerostack.toml', content: aerostackToml(spec) },
    { path: 'package.json', content: packageJson(spec) },
    { path: 'tsconfig.json', content: TSCONFIG },
    { path: 'README.md', content: readme(spec) },
    { path: '.gitignore', content: GITIGNORE },
  ];
}
