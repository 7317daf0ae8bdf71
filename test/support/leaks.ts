/** The check that no slice of a token turned up where it must not. */
import { inspect } from 'node:util';

/** The length of a token slice that counts as a leak. */
export const SLICE = 16;

/** `value` as text: a string as it is; anything else as JSON and as `util.inspect` prints it. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  let json = '';
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    // circular: inspect has it
  }
  return `${json}\n${inspect(value, { depth: Infinity, breakLength: Infinity })}`;
}

/**
 * Which of `secrets` have a {@link SLICE}-character slice in `haystack`, by index and length: never
 * the slice itself, since a failing test must not print a token either.
 */
export function slicesIn(haystack: unknown, secrets: string | Iterable<string>): string[] {
  const text = textOf(haystack);
  let windows: Set<string> | undefined;
  /** Whether `secret` and `text` share a run of SLICE characters, walking the shorter of the two. */
  const shares = (secret: string): boolean => {
    if (text.length <= secret.length) {
      for (let i = 0; i + SLICE <= text.length; i++) if (secret.includes(text.slice(i, i + SLICE))) return true;
      return false;
    }
    // Every window of a long haystack once, so each slice of a secret is one set lookup.
    if (windows === undefined) {
      windows = new Set();
      for (let i = 0; i + SLICE <= text.length; i++) windows.add(text.slice(i, i + SLICE));
    }
    for (let i = 0; i + SLICE <= secret.length; i++) if (windows.has(secret.slice(i, i + SLICE))) return true;
    return false;
  };
  const found: string[] = [];
  let index = 0;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (shares(secret)) found.push(`secret #${index} (${secret.length} characters)`);
    index += 1;
  }
  return found;
}

/** No {@link SLICE}-character slice of any of `secrets` in `haystack` (a string, or any value as logged). */
export function expectNoSliceOf(secrets: string | Iterable<string>, haystack: unknown): void {
  expect(slicesIn(haystack, secrets)).toEqual([]);
}
