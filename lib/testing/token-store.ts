import { createHash, randomBytes, randomInt } from 'node:crypto';
import { randomAccountId } from './account-id';

/**
 * A Login with Amazon scope that decides which customer profile fields a token can read.
 * @example
 * ```ts
 * const idOnly = emu.mintToken({ clientID, scopes: ['profile:user_id'] }); // profile holds user_id only
 * ```
 */
export type Scope = 'profile' | 'profile:user_id' | 'postal_code';

/** Every {@link Scope}, for checking scopes that arrive at run time (mint options, authorization requests). */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set<Scope>(['profile', 'profile:user_id', 'postal_code']);

/** Seconds an access token lives unless told otherwise: Amazon's tokens live an hour. */
export const DEFAULT_TOKEN_LIFETIME_S = 3600;

/**
 * What {@link LwaEmulator.mintToken} needs to issue an access token.
 * @example
 * ```ts
 * const token = emu.mintToken({ clientID: 'amzn1.application-oa2-client.test', name: 'Ann', email: 'ann@example.com', expiresIn: 60 });
 * ```
 */
export interface MintOptions {
  /** The client (security profile) the token is issued to; tokeninfo answers it as `aud`. */
  clientID: string;
  /** Tokeninfo `app_id`. Default: `'amzn1.application.'` + 32 hex characters derived from `clientID`. */
  appID?: string;
  /** The customer's id. Default: a fresh `'amzn1.account.'` + 28 characters `[A-Z0-9]` for every token. */
  userID?: string;
  /** Scopes granted to the token. Default `['profile']`. An empty list makes the profile endpoint answer `insufficient_scope`. */
  scopes?: Scope[];
  /** Lifetime in seconds from now. Default 3600. Zero or less mints a token that is already expired. */
  expiresIn?: number;
  /** Profile `name`. Default {@link SAMPLE_CUSTOMER}'s. */
  name?: string;
  /** Profile `email`. Default {@link SAMPLE_CUSTOMER}'s. */
  email?: string;
  /** Profile `postal_code`. Default {@link SAMPLE_CUSTOMER}'s. */
  postalCode?: string;
  /** Answer the profile endpoint in Amazon's older `{ Profile: { CustomerId, Name, PrimaryEmail, PostalCode } }` shape. */
  legacyProfileShape?: boolean;
}

/**
 * Where a token stands at a given moment.
 * @example
 * ```ts
 * emu.revoke(token);
 * expect(emu.tokenInfo(token)?.state).toBe('revoked');
 * ```
 */
export type TokenState = 'active' | 'expired' | 'revoked';

/**
 * Everything the emulator knows about a minted token (a snapshot; it does not change afterwards).
 * @example
 * ```ts
 * const record = emu.tokenInfo(token)!;
 * expect(profile.id).toBe(record.userID);
 * ```
 */
export interface TokenRecord {
  /** Tokeninfo `aud`. */
  readonly clientID: string;
  /** Tokeninfo `app_id`. */
  readonly appID: string;
  /** Tokeninfo and profile `user_id`. */
  readonly userID: string;
  /** Granted scopes, without duplicates. */
  readonly scopes: readonly Scope[];
  /** Profile `name`. */
  readonly name: string;
  /** Profile `email`. */
  readonly email: string;
  /** Profile `postal_code`. */
  readonly postalCode: string;
  /** Whether the profile endpoint answers in the older `Profile` shape. */
  readonly legacyProfileShape: boolean;
  /** Epoch milliseconds of minting (tokeninfo `iat` is this in seconds). */
  readonly issuedAt: number;
  /** Epoch milliseconds after which the token is invalid; {@link LwaEmulator.expire} moves it to the present. */
  readonly expiresAt: number;
  /** Whether {@link LwaEmulator.revoke} was called for the token. */
  readonly revoked: boolean;
  /** The token's state when this snapshot was taken. */
  readonly state: TokenState;
}

/** A token that is valid right now, with its `exp` as tokeninfo reports it. */
export interface ActiveToken {
  /** The token's record. */
  readonly record: TokenRecord;
  /** Whole seconds of life left, rounded up so a valid token never reports 0. */
  readonly secondsLeft: number;
}

/**
 * The customer every minted token belongs to unless told otherwise (Amazon's sample name; a reserved e-mail domain).
 * @example
 * ```ts
 * expect(profile.displayName).toBe(SAMPLE_CUSTOMER.name); // a token minted without a name
 * ```
 */
export const SAMPLE_CUSTOMER: Readonly<{
  /** The profile's `name`. */
  name: string;
  /** The profile's `email`. */
  email: string;
  /** The profile's `postal_code`. */
  postalCode: string;
}> = Object.freeze({
  name: 'Mork Hashimoto',
  email: 'mork.hashimoto@example.com',
  postalCode: '98052',
});

type Entry = Omit<TokenRecord, 'state' | 'expiresAt' | 'revoked'> & { expiresAt: number; revoked: boolean };

const TOKEN_PREFIX = 'Atza|';
/** Real tokens run 350..2048 bytes; this range stays well inside it while varying the length. */
const TOKEN_LENGTH = { min: 380, max: 500 } as const;

/** Issues tokens and answers whether one is valid at the store's clock. */
export class TokenStore {
  private readonly tokens = new Map<string, Entry>();

  /** @param now - the clock, read on every call so a replaced `Date.now` (or an injected clock) is honoured. */
  constructor(private readonly now: () => number) {}

  /** Mints a token. Throws a `TypeError` naming the bad option. */
  mint(options: MintOptions): string {
    const entry = this.entryFor(options);
    let token = newToken();
    while (this.tokens.has(token)) token = newToken();
    this.tokens.set(token, entry);
    return token;
  }

  /** The token's record and remaining life if it is valid now; `undefined` if unknown, expired or revoked. */
  active(token: string): ActiveToken | undefined {
    const entry = this.tokens.get(token);
    if (entry === undefined) return undefined;
    const now = this.now();
    const record = snapshot(entry, now);
    if (record.state !== 'active') return undefined;
    return { record, secondsLeft: Math.ceil((entry.expiresAt - now) / 1000) };
  }

  /** A snapshot of the token's record, or `undefined` if this store never minted it. */
  get(token: string): TokenRecord | undefined {
    const entry = this.tokens.get(token);
    return entry === undefined ? undefined : snapshot(entry, this.now());
  }

  /** The `app_id` of tokens minted for `clientID` without an `appID`. */
  defaultAppId(clientID: string): string {
    if (typeof clientID !== 'string' || clientID === '')
      throw new TypeError('appIdOf: clientID must be a non-empty string');
    return deriveAppId(clientID);
  }

  /** Ends the token's life now. Returns whether the token is known. */
  expire(token: string): boolean {
    const entry = this.tokens.get(token);
    if (entry === undefined) return false;
    entry.expiresAt = Math.min(entry.expiresAt, this.now());
    return true;
  }

  /** Revokes the token. Returns whether the token is known. */
  revoke(token: string): boolean {
    const entry = this.tokens.get(token);
    if (entry === undefined) return false;
    entry.revoked = true;
    return true;
  }

  private entryFor(options: MintOptions): Entry {
    // The emulator is also used from plain JavaScript, where nothing checked these types.
    if (typeof options !== 'object' || options === null) throw new TypeError('mintToken: options must be an object');
    const {
      clientID,
      scopes = ['profile'],
      expiresIn = DEFAULT_TOKEN_LIFETIME_S,
      legacyProfileShape = false,
    } = options;
    if (typeof clientID !== 'string' || clientID === '')
      throw new TypeError('mintToken: clientID must be a non-empty string');
    if (!Array.isArray(scopes) || !scopes.every((s) => KNOWN_SCOPES.has(s))) {
      throw new TypeError(`mintToken: scopes must be an array of ${[...KNOWN_SCOPES].join(', ')}`);
    }
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
      throw new TypeError('mintToken: expiresIn must be a finite number of seconds');
    if (typeof legacyProfileShape !== 'boolean') throw new TypeError('mintToken: legacyProfileShape must be a boolean');
    const issuedAt = this.now();
    return {
      clientID,
      appID: optionalString(options, 'appID') ?? deriveAppId(clientID),
      userID: optionalString(options, 'userID') ?? randomAccountId(),
      scopes: Object.freeze([...new Set(scopes)]),
      name: optionalString(options, 'name') ?? SAMPLE_CUSTOMER.name,
      email: optionalString(options, 'email') ?? SAMPLE_CUSTOMER.email,
      postalCode: optionalString(options, 'postalCode') ?? SAMPLE_CUSTOMER.postalCode,
      legacyProfileShape,
      issuedAt,
      expiresAt: issuedAt + expiresIn * 1000,
      revoked: false,
    };
  }
}

function snapshot(entry: Entry, now: number): TokenRecord {
  const state: TokenState = entry.revoked ? 'revoked' : entry.expiresAt > now ? 'active' : 'expired';
  return Object.freeze({ ...entry, state });
}

function optionalString(
  options: MintOptions,
  key: 'appID' | 'userID' | 'name' | 'email' | 'postalCode',
): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TypeError(`mintToken: ${key} must be a string`);
  return value;
}

/** One client keeps one app id across tokens, as a real security profile does. */
function deriveAppId(clientID: string): string {
  return `amzn1.application.${createHash('sha256').update(clientID).digest('hex').slice(0, 32)}`;
}

function newToken(): string {
  const bodyLength = randomInt(TOKEN_LENGTH.min, TOKEN_LENGTH.max + 1) - TOKEN_PREFIX.length;
  return (
    TOKEN_PREFIX +
    randomBytes(Math.ceil((bodyLength * 3) / 4))
      .toString('base64url')
      .slice(0, bodyLength)
  );
}
