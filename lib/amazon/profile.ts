/**
 * The signed-in Amazon customer, in Passport's normalised profile shape.
 *
 * `id` is Amazon's `user_id` (`amzn1.account.…`): stable for one customer across the apps of one
 * developer account, so it is the key to link accounts on. Fields the token's scope does not
 * cover are absent, never `undefined` or empty strings.
 * @example
 * ```ts
 * new Strategy({ clientID }, async (accessToken, profile: AmazonProfile) =>
 *   users.upsert({ amazonId: profile.id, name: profile.displayName, email: profile.emails?.[0]?.value }));
 * ```
 */
export interface AmazonProfile {
  /** Always `'amazon'`, as Passport's normalised profiles name their provider. */
  readonly provider: 'amazon';
  /** Amazon's `user_id`. */
  readonly id: string;
  /** The customer's name (scope `profile`). Amazon gives one name: it is not split. */
  readonly displayName?: string;
  /** The customer's primary e-mail (scope `profile`). */
  readonly emails?: ReadonlyArray<{
    /** The address. */
    readonly value: string;
  }>;
  /** The customer's postal code (scope `postal_code`). */
  readonly postalCode?: string;
  /** Amazon's answer as received. */
  readonly _raw: string;
  /** Amazon's answer, parsed. */
  readonly _json: Readonly<Record<string, unknown>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Builds the profile from either of Amazon's shapes: `{ user_id, name, email, postal_code }` or the
 * older `{ Profile: { CustomerId, Name, PrimaryEmail, PostalCode } }`. Returns `undefined` when the
 * answer has no customer id, which the caller treats as a malformed answer.
 */
export function normalizeProfile(json: Readonly<Record<string, unknown>>, raw: string): AmazonProfile | undefined {
  const legacy = ownField(json, 'Profile');
  const source = isRecord(legacy) ? legacy : json;
  const pick = (modern: string, old: string): string | undefined =>
    nonEmptyString(ownField(source, source === json ? modern : old));

  const id = pick('user_id', 'CustomerId');
  if (id === undefined) return undefined;
  const profile: Mutable<AmazonProfile> = { provider: 'amazon', id, _raw: raw, _json: json };
  const name = pick('name', 'Name');
  if (name !== undefined) profile.displayName = name;
  const email = pick('email', 'PrimaryEmail');
  if (email !== undefined) profile.emails = [{ value: email }];
  const postalCode = pick('postal_code', 'PostalCode');
  if (postalCode !== undefined) profile.postalCode = postalCode;
  return profile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Own properties only: a key such as `__proto__` in Amazon's JSON must not reach the prototype.
function ownField(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
