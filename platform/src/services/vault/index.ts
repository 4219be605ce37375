// The vault: envelope encryption of secrets under versioned master keys. This is public API.
export { isVaultError, VaultConfigError, VaultError, type VaultErrorCode } from './errors.js';
export {
  loadMasterKeys,
  MASTER_KEYS_ENV,
  MASTER_KEYS_FILE,
  type MasterKeys,
  masterKeysFrom,
  parseMasterKeys,
} from './master-keys.js';
export { type VaultTables, vaultMigrations } from './schema.js';
export { createVault, type Vault } from './vault.js';
