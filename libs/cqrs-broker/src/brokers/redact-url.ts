/** Query parameters whose values are secrets. */
const SECRET_PARAMS = /([?&;](?:password|passwd|pass|pwd|secret|token|access_token|api_key|apikey|sasl_password)=)[^&;#]*/gi;
/** Scheme and authority's userinfo; the authority ends at the first `/`, `?` or `#`, and the userinfo at its last `@`. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i;

/**
 * Masks the password of a URL (and secret-looking query parameters) so it can
 * be logged: `amqp://guest:guest@host/vhost` → `amqp://guest:***@host/vhost`.
 * Works on multi-host strings that `new URL` rejects
 * (`kafka://u:p@a:9092,b:9092`). Log URLs only through this.
 * @publicApi
 */
export function redactUrl(url: string): string {
  return url
    .replace(USERINFO, (_match, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
    })
    .replace(SECRET_PARAMS, '$1***');
}
