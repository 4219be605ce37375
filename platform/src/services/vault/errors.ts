/** Why a sealed value could not be opened or a data key could not be used. */
export type VaultErrorCode =
  /** Not a sealed value of a format this vault reads. */
  | 'vault/malformed'
  /** The data key the value names is not in the database. */
  | 'vault/unknown-data-key'
  /** The master key version that wraps the data key is not configured (or is not the same key). */
  | 'vault/master-key-unavailable'
  /** Authentication failed: the value was tampered with, or it belongs to another context. */
  | 'vault/cannot-open';

/** A vault operation failed. The message names ids and versions, never key material or plaintext. */
export class VaultError extends Error {
  override name = 'VaultError';
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The master keys are missing or malformed; the platform must not start. */
export class VaultConfigError extends Error {
  override name = 'VaultConfigError';
}

/** True for a `VaultError`, also across two copies of this module. */
export function isVaultError(error: unknown): error is VaultError {
  return error instanceof Error && error.name === 'VaultError' && 'code' in error;
}
