/** Which of the gateway's codings a client accepts most: "br", "gzip", or null for neither. */
export type ChosenCoding = 'br' | 'gzip' | null;

/**
 * Reads Accept-Encoding (RFC 9110 12.5.3): the coding with the highest q-value wins, brotli on a
 * tie; `*` stands for every coding not named; q=0 refuses one. Walks the string without
 * splitting it into arrays.
 */
export function chooseCoding(header: string | undefined): ChosenCoding {
  if (header === undefined || header === '') return null;
  let br = -1;
  let gzip = -1;
  let other = -1;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(',', start);
    if (end < 0) end = header.length;
    const item = header.slice(start, end);
    start = end + 1;
    const semicolon = item.indexOf(';');
    const coding = (semicolon < 0 ? item : item.slice(0, semicolon)).trim().toLowerCase();
    const q = semicolon < 0 ? 1 : qValue(item.slice(semicolon + 1));
    if (coding === 'br') br = q;
    else if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip, q);
    else if (coding === '*') other = q;
  }
  if (br < 0) br = other;
  if (gzip < 0) gzip = other;
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

/** "q=0.5" among a coding's parameters; 1 when absent, 0 when malformed (never chosen). */
function qValue(params: string): number {
  const at = params.indexOf('q=');
  if (at < 0) return 1;
  const q = Number(
    params
      .slice(at + 2)
      .split(';')[0]
      ?.trim(),
  );
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
}
