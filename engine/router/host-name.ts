/**
 * The name a Host header routes by: without its port, in lower case, and without the trailing
 * dot of a fully qualified name (`admin.example.com.` is `admin.example.com`, as DNS has it).
 * An IPv6 literal such as `[::1]:8080` keeps its brackets; only a trailing `:port` is cut.
 */
export function hostName(host: string): string {
  const colon = host.lastIndexOf(':');
  let end = colon > host.lastIndexOf(']') ? colon : host.length;
  if (end > 1 && host.charCodeAt(end - 1) === 46 /* . */) end--;
  const bare = end === host.length ? host : host.slice(0, end);
  return bare.toLowerCase();
}
