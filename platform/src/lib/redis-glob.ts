/** `text` with Redis glob characters escaped, to match literally in PSUBSCRIBE and SCAN MATCH. */
export const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
