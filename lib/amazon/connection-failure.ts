import { LwaUpstreamError, type LwaEndpoint } from '../errors';

/** Longer messages are cut: a network error's is one line. */
const MAX_MESSAGE = 300;
/** A message sharing this many characters with the token is dropped (the no-leak rule's slice). */
const SLICE = 16;

/**
 * What failed, in a word: the error's `code` (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`), else
 * its name when it says more than `Error` (Deno's `NotCapable` for a missing permission).
 */
export function failureName(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'unknown';
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  if (typeof name === 'string' && name !== 'Error' && /^[A-Za-z]{1,40}$/.test(name)) return name;
  return 'unknown';
}

/**
 * A call that got no answer (refused, unresolved, reset, a TLS or a runtime's permission error): a
 * 502 whose message names what failed and whose `cause` is the underlying error. The cause is a copy
 * of its name, code, errno, syscall, message and stack frames, nothing else (no other field can carry
 * a request), and a message that shares a 16-character slice with `token` is left out.
 */
export function connectionFailure(endpoint: LwaEndpoint, err: unknown, token: string): LwaUpstreamError {
  const what = failureName(err);
  return new LwaUpstreamError(
    'ERR_LWA_UPSTREAM_CONNECTION',
    endpoint,
    `connection failed (${what})`,
    undefined,
    undefined,
    safeCopy(err, what, token),
  );
}

function safeCopy(err: unknown, what: string, token: string): Error | undefined {
  // Not `instanceof Error`: node:net's errors belong to another realm under Jest or in a VM.
  if (typeof err !== 'object' || err === null) return undefined;
  const source = err as {
    message?: unknown;
    name?: unknown;
    stack?: unknown;
    code?: unknown;
    errno?: unknown;
    syscall?: unknown;
  };
  if (typeof source.message !== 'string') return undefined;
  const message = source.message.slice(0, MAX_MESSAGE);
  const copy = new Error(mentions(message, token) ? what : message) as Error & {
    code?: string;
    errno?: number;
    syscall?: string;
  };
  if (typeof source.name === 'string' && /^[A-Za-z]{1,40}$/.test(source.name)) copy.name = source.name;
  const stack = typeof source.stack === 'string' ? source.stack.split('\n') : [];
  const frames = stack.filter((line) => /^\s+at /.test(line) && !mentions(line, token));
  copy.stack = [`${copy.name}: ${copy.message}`, ...frames].join('\n');
  if (typeof source.code === 'string' && what === source.code) copy.code = source.code;
  if (typeof source.errno === 'number') copy.errno = source.errno;
  if (typeof source.syscall === 'string' && /^[a-z]{1,20}$/.test(source.syscall)) copy.syscall = source.syscall;
  return copy;
}

/** Whether `text` holds `token` or a {@link SLICE}-character piece of it. */
function mentions(text: string, token: string): boolean {
  if (token.length < SLICE) return token !== '' && text.includes(token);
  for (let i = 0; i + SLICE <= text.length; i++) if (token.includes(text.slice(i, i + SLICE))) return true;
  return false;
}
