import { accountIdFor } from './account-id';
import { SAMPLE_CUSTOMER } from './token-store';

/**
 * A customer the emulator's sign-in page offers (see {@link EmulatorOptions.customers}): whoever
 * picks them on that page gets an access token for this customer.
 * @example
 * ```ts
 * const emu = await LwaEmulator.start({ customers: [{ name: 'Ann Example', email: 'ann@example.com' }] });
 * // emu.authorizeURL now shows a page where "Ann Example" can be picked.
 * ```
 */
export interface EmulatorCustomer {
  /** Profile `name`. */
  name: string;
  /** Profile `email`. */
  email: string;
  /** `user_id`. Default: `'amzn1.account.'` + 28 characters derived from `email`, the same on every run. */
  userID?: string;
  /** Profile `postal_code`. Default `'98052'`. */
  postalCode?: string;
}

/**
 * A sign-in customer with every field settled.
 * @example
 * ```ts
 * const [ann] = emu.customers; // settled: ann.userID is derived from the e-mail when not given
 * ```
 */
export interface SignInCustomer {
  /** Amazon's `user_id` for this customer (derived from the e-mail when not given). */
  readonly userID: string;
  /** The profile's `name`. */
  readonly name: string;
  /** The profile's `email`. */
  readonly email: string;
  /** The profile's `postal_code`. */
  readonly postalCode: string;
}

/** Validates the sign-in customers given to the emulator and fills in their defaults. */
export function resolveCustomers(customers: unknown): SignInCustomer[] {
  if (!Array.isArray(customers) || customers.length === 0)
    throw new TypeError('LwaEmulator: customers must be a non-empty array');
  const seen = new Set<string>();
  return customers.map((c: unknown, i) => {
    const where = `LwaEmulator: customers[${i}]`;
    if (typeof c !== 'object' || c === null) throw new TypeError(`${where} must be an object`);
    const { name, email, userID, postalCode } = c as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`${where}.name must be a non-empty string`);
    if (typeof email !== 'string' || email.trim() === '')
      throw new TypeError(`${where}.email must be a non-empty string`);
    if (userID !== undefined && (typeof userID !== 'string' || userID === ''))
      throw new TypeError(`${where}.userID must be a non-empty string`);
    if (postalCode !== undefined && typeof postalCode !== 'string')
      throw new TypeError(`${where}.postalCode must be a string`);
    const id = userID ?? accountIdFor(email);
    if (seen.has(id)) throw new TypeError(`${where}: user id ${id} is already taken by another customer`);
    seen.add(id);
    return Object.freeze({ userID: id, name, email, postalCode: postalCode ?? SAMPLE_CUSTOMER.postalCode });
  });
}
