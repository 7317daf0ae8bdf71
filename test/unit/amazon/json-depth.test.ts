/** Depth checks and freezing that no input can overflow the stack with. */
import { deepFreeze } from '../../../lib/cache/deep-freeze';
import { nestsDeeperThan } from '../../../lib/amazon/json-depth';

const deep = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));

test('nestsDeeperThan counts levels without recursion', () => {
  expect(nestsDeeperThan({ a: 1 }, 1)).toBe(false);
  expect(nestsDeeperThan({ a: { b: 1 } }, 1)).toBe(true);
  expect(nestsDeeperThan({ Profile: { CustomerId: 'x' } }, 2)).toBe(false);
  expect(nestsDeeperThan('text', 0)).toBe(false);
  expect(nestsDeeperThan(deep(100_000), 32)).toBe(true);
  expect(nestsDeeperThan(deep(32), 32)).toBe(false);
});

test('deepFreeze freezes everything, 100,000 levels deep included', () => {
  const value = deep(100_000) as unknown[];
  expect(() => deepFreeze(value)).not.toThrow();
  let inner: unknown = value;
  for (let i = 0; i < 100_000 - 1; i++) {
    expect(Object.isFrozen(inner)).toBe(true);
    inner = (inner as unknown[])[0];
  }
  const shared = { x: [1] };
  const obj = deepFreeze({ a: shared, b: shared, c: undefined, d: null });
  expect(Object.isFrozen(obj.a.x)).toBe(true);
});
