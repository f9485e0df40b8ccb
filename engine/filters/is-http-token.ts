/** RFC 9110 `token`: what a method or a header field name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isHttpToken(text: string): boolean {
  return TOKEN.test(text);
}
