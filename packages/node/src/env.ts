// Defaults from the environment, so server code and scripts can call createClient() bare.

/** Reads an environment variable; empty strings count as unset. */
export function env(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value ? value : undefined;
}

export function requireOption(value: string | undefined, option: string, variable: string): string {
  if (!value) throw new TypeError(`Aerostack: pass \`${option}\` or set ${variable}.`);
  return value;
}
