import { randomBase62 } from '../../lib/ids.js';

/** Workspace tokens look like API keys (40 base62 characters, ~238 bits) under their own prefix. */
export const TOKEN_PREFIX = 'mwt_';
export const TOKEN_SHAPE = /^mwt_[0-9A-Za-z]{40}$/;
export const TOKEN_SCHEME = 'workspaceToken';

/** The `mcp-remote` release Claude Desktop's configuration runs, pinned so a paste keeps working. */
export const MCP_REMOTE = 'mcp-remote@0.15.1';

export const newToken = () => TOKEN_PREFIX + randomBase62(40);

/** `mwt_…wXyZ`: enough to tell tokens apart in a list, useless to an attacker. */
export const tokenHint = (token: string) => `${TOKEN_PREFIX}…${token.slice(-4)}`;

/**
 * Ready-to-paste client configuration for the workspace's gateway URL. Claude Desktop speaks only
 * stdio, so it goes through `mcp-remote`; the token sits in `env`, which mcp-remote substitutes
 * into the header (an argument with a space in it is mangled on some platforms).
 */
export function clientConfig(slug: string, url: string, token: string) {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    claudeDesktop: {
      mcpServers: {
        [slug]: {
          command: 'npx',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote substitutes ${VAR} from env.
          args: ['-y', MCP_REMOTE, url, '--header', 'Authorization:${AEROSTACK_TOKEN}'],
          env: { AEROSTACK_TOKEN: `Bearer ${token}` },
        },
      },
    },
    cursor: { mcpServers: { [slug]: { url, headers } } },
    vscode: { servers: { [slug]: { type: 'http', url, headers } } },
  };
}
