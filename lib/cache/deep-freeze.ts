/**
 * Freezes a verdict and everything in it (the profile's `emails` and `_json` included): one cached
 * profile serves many requests, and an app that mutated it would otherwise change what later
 * requests see. Walks with a stack of its own, never by recursion, so no answer can overflow the
 * call stack; objects already frozen are not walked again.
 */
export function deepFreeze<T>(value: T): T {
  const stack: object[] = [];
  const visit = (item: unknown): void => {
    if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) stack.push(item);
  };
  visit(value);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    Object.freeze(next);
    for (const key of Object.keys(next)) visit((next as Record<string, unknown>)[key]);
  }
  return value;
}
