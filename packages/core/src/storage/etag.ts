/**
 * An ETag without its quotes, as the index keeps it (S3 quotes it in headers and listings,
 * and event records carry it bare).
 *
 * @example unquote('"9b2cf535f27731c974343645a3985328"') // "9b2cf535f27731c974343645a3985328"
 */
export function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, "$1");
}
