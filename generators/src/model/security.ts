// Whether an operation sends the client's credential. The clients send it one way only,
// `Authorization: Bearer`, so any other scheme an operation relies on is refused.
import type { OpenApiDocument, OperationObject } from '../spec.js';
import { UnsupportedError } from '../unsupported.js';

function checkScheme(doc: OpenApiDocument, name: string): void {
  const scheme = doc.components?.securitySchemes?.[name];
  if (!scheme) throw new Error(`security scheme ${name} is not in components.securitySchemes`);
  if (scheme.type !== 'http' || scheme.scheme?.toLowerCase() !== 'bearer') {
    const kind = scheme.type === 'http' ? `http ${scheme.scheme ?? ''}`.trim() : scheme.type;
    throw new UnsupportedError(
      `the security scheme ${name} (${kind}; the clients send a bearer credential)`,
      {
        location: 'security',
      },
    );
  }
}

/** False when the operation declares `security: []` (or only empty requirements). */
export function isAuthenticated(doc: OpenApiDocument, op: OperationObject): boolean {
  const security = op.security ?? doc.security ?? [];
  for (const requirement of security) for (const name of Object.keys(requirement)) checkScheme(doc, name);
  return security.some((requirement) => Object.keys(requirement).length > 0);
}
