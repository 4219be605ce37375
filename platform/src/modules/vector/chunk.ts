/**
 * Splits `text` into chunks of at most `size` characters (UTF-16 code units), each starting
 * `overlap` characters before the previous one ended. A chunk that would cut a word ends at the
 * last whitespace in its second half instead, and an overlap that would start inside a word starts
 * at that word's start (so it may be a little longer), when the chunk has one; a surrogate pair is never cut.
 * Chunks are trimmed, empty ones dropped. Deterministic: the same text and settings give the same
 * chunks, so re-ingesting a source replaces its chunks one for one.
 */
export function chunkText(text: string, size: number, overlap: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) {
      const half = start + Math.floor(size / 2);
      for (let i = end; i > half; i--) {
        if (/\s/.test(text.charAt(i))) {
          end = i;
          break;
        }
      }
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end--;
    }
    const chunk = text.slice(start, end).trim();
    if (chunk !== '') chunks.push(chunk);
    if (end >= text.length) break;
    let next = Math.max(end - overlap, start + 1);
    // The overlap starts at a word: back to the start of the word it would cut, if there is one.
    if (/\S/.test(text.charAt(next - 1)) && /\S/.test(text.charAt(next))) {
      for (let i = next - 1; i > start; i--) {
        if (/\s/.test(text.charAt(i - 1))) {
          next = i;
          break;
        }
      }
    }
    const code = text.charCodeAt(next);
    if (code >= 0xdc00 && code <= 0xdfff) next++;
    start = next;
  }
  return chunks;
}
