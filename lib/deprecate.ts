/**
 * How a public name goes away after 1.0 (docs/development.md, Versioning): for one minor release
 * its use warns, then the next major removes it. The warning is Node's own `DeprecationWarning`,
 * so `--no-deprecation` silences it and `--throw-deprecation` makes a test fail on it, and it is
 * emitted once per process per `code`: a name used on every request must not flood the log.
 */
const warned = new Set<string>();

/**
 * Warns once per process that something is deprecated. `code` is `PASSPORT_LWA_TOKEN_DEP_<NAME>`;
 * `message` says what to write instead (never a token or any other request data).
 */
export function deprecate(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  process.emitWarning(`passport-lwa-token: ${message}`, { code, type: 'DeprecationWarning' });
}
