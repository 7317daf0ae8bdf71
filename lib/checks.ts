/**
 * The checks every option goes through once, at construction: a bad value is a `TypeError` that
 * names the option and what it must be, and an unknown name is refused with the nearest known one;
 * a removed one says what replaced it, and one on its way out warns ({@link deprecate}).
 */

export function fail(option: string, expected: string): never {
  throw new TypeError(`passport-lwa-token: option \`${option}\` must be ${expected}`);
}

/**
 * A whole number in [min, max], or `fallback` when not given. Every numeric option has a `max`: the
 * value past which the library's own memory or waiting would no longer be bounded by design.
 */
export function wholeNumber(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  unit = '',
): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(option, `a whole number${unit} from ${min} to ${max}`);
  }
  return n;
}

/** Options that earlier versions had, and what took their place, so that an upgrade is told. */
const REMOVED: Readonly<Record<string, string>> = Object.freeze({
  tokenInfoTransport: 'the token always goes to tokeninfo in the `x-amz-access-token` header',
  accessTokenField: 'the body and query field is always `access_token` (RFC 6750 §2.2, §2.3)',
  retries: 'one retry is made when it fits in `timeout`',
  realm: 'the challenge\'s realm is always "Users"',
  maxPending: 'a verification waits its turn unless it could not be answered within `timeout`',
  storeTimeout: 'each store call may take a quarter of `timeout`, at most 100 ms',
  localTtl: 'the local layer keeps a verdict a tenth of `cache.ttl`',
  refusalTtl: "Amazon's refusals are kept 10 seconds, or `cache.ttl` if shorter",
});

/**
 * Refuses any key of `given` not in `known`, naming it with its prefix (`cache.`), and the known
 * name it most likely meant (`appID` → `appID`), or what replaced it if it was removed.
 */
export function rejectUnknown(given: object, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const name = `\`${prefix}${key}\``;
    if (Object.hasOwn(REMOVED, key)) {
      throw new TypeError(`passport-lwa-token: option ${name} was removed: ${REMOVED[key]}`);
    }
    const guess = nearest(key, known);
    throw new TypeError(
      `passport-lwa-token: unknown option ${name}` + (guess ? `; did you mean \`${prefix}${guess}\`?` : ''),
    );
  }
}

/** The known name closest to `name` (case aside, at most 2 edits away), if any. */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance (option names are short: the quadratic table costs nothing). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/** A plain object (an options bag), not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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
