/**
 * The app's own account system, behind an interface: replace `MemoryAccountStore` with your
 * database. Two rules a real store must enforce itself (a unique index, a transaction), because two
 * requests can race: an Amazon `user_id` is linked to at most one account, and a username belongs
 * to at most one account.
 */
import { randomUUID } from 'node:crypto';

/** An Amazon customer linked to an account, as Amazon described them when they were linked. */
export interface AmazonLink {
  /** Amazon's `user_id` (`amzn1.account.…`): the only field to match on. */
  readonly userID: string;
  readonly name?: string;
  readonly email?: string;
  /** ISO 8601. */
  readonly linkedAt: string;
}

/** An account, as the app shows it (no password hash here). */
export interface Account {
  readonly id: string;
  readonly name: string;
  /** Contact address. Not an identifier: never used to find or merge accounts. */
  readonly email?: string;
  /** Local sign-in name; accounts created through Amazon have none. */
  readonly username?: string;
  readonly amazon: readonly AmazonLink[];
}

export interface NewAccount {
  name: string;
  email?: string;
  /** With `passwordHash`: a local account. */
  username?: string;
  passwordHash?: string;
  /** The Amazon customer the account is created for, linked at once. */
  amazon?: Omit<AmazonLink, 'linkedAt'>;
}

/** `linkAmazon`'s answer: linked (or it already was), or refused because another account has it. */
export type LinkResult =
  { readonly ok: true; readonly account: Account } | { readonly ok: false; readonly linkedTo: string };

/** `unlinkAmazon`'s answer: unlinked, or refused (not linked to this account; its last way to sign in). */
export type UnlinkResult =
  | { readonly ok: true; readonly account: Account }
  | { readonly ok: false; readonly reason: 'not_linked' | 'last_sign_in' };

/** `create` was refused: the username, or the Amazon customer, belongs to another account already. */
export class DuplicateError extends Error {
  constructor(readonly field: 'username' | 'amazon') {
    super(`${field} is already taken`);
    this.name = 'DuplicateError';
  }
}

export interface AccountStore {
  findById(id: string): Promise<Account | undefined>;
  findByAmazonId(amazonUserId: string): Promise<Account | undefined>;
  /** Accounts whose contact e-mail is `email` (case-insensitive). Several may share one. */
  findByEmail(email: string): Promise<Account[]>;
  /** The account and its password hash, for local sign-in. */
  credentials(username: string): Promise<{ account: Account; passwordHash: string } | undefined>;
  /** Creates an account; rejects with {@link DuplicateError} if its username or Amazon customer is taken. */
  create(input: NewAccount): Promise<Account>;
  /** Links an Amazon customer to an account, atomically: never to two accounts. */
  linkAmazon(accountId: string, link: Omit<AmazonLink, 'linkedAt'>): Promise<LinkResult>;
  /**
   * Unlinks an Amazon customer from an account, atomically. Refused when the customer is not
   * linked to it, or when that link is the account's last way to sign in (no password, no other
   * Amazon customer): the account would be left with no way in.
   */
  unlinkAmazon(accountId: string, amazonUserId: string): Promise<UnlinkResult>;
}

interface Row {
  id: string;
  name: string;
  email?: string;
  username?: string;
  passwordHash?: string;
  amazon: AmazonLink[];
}

/** In memory, for the example and tests: everything is gone when the process stops. */
export class MemoryAccountStore implements AccountStore {
  private readonly rows = new Map<string, Row>();
  /** The unique indexes a database would have. */
  private readonly byAmazonId = new Map<string, string>();
  private readonly byUsername = new Map<string, string>();

  async findById(id: string): Promise<Account | undefined> {
    return this.view(this.rows.get(id));
  }

  async findByAmazonId(amazonUserId: string): Promise<Account | undefined> {
    const id = this.byAmazonId.get(amazonUserId);
    return id === undefined ? undefined : this.view(this.rows.get(id));
  }

  async findByEmail(email: string): Promise<Account[]> {
    const wanted = normalizeEmail(email);
    return [...this.rows.values()]
      .filter((row) => row.email !== undefined && normalizeEmail(row.email) === wanted)
      .map((row) => this.view(row)!);
  }

  async credentials(username: string): Promise<{ account: Account; passwordHash: string } | undefined> {
    const row = this.rows.get(this.byUsername.get(username.toLowerCase()) ?? '');
    if (row?.passwordHash === undefined) return undefined;
    return { account: this.view(row)!, passwordHash: row.passwordHash };
  }

  async create(input: NewAccount): Promise<Account> {
    const username = input.username?.toLowerCase();
    if (username !== undefined && this.byUsername.has(username)) throw new DuplicateError('username');
    if (input.amazon !== undefined && this.byAmazonId.has(input.amazon.userID)) throw new DuplicateError('amazon');
    const row: Row = {
      id: randomUUID(),
      name: input.name,
      amazon: input.amazon === undefined ? [] : [{ ...input.amazon, linkedAt: new Date().toISOString() }],
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(username === undefined ? {} : { username }),
      ...(input.passwordHash === undefined ? {} : { passwordHash: input.passwordHash }),
    };
    this.rows.set(row.id, row);
    if (username !== undefined) this.byUsername.set(username, row.id);
    if (input.amazon !== undefined) this.byAmazonId.set(input.amazon.userID, row.id);
    return this.view(row)!;
  }

  async linkAmazon(accountId: string, link: Omit<AmazonLink, 'linkedAt'>): Promise<LinkResult> {
    const row = this.rows.get(accountId);
    if (row === undefined) throw new Error(`no account ${accountId}`);
    const owner = this.byAmazonId.get(link.userID);
    if (owner !== undefined && owner !== accountId) return { ok: false, linkedTo: owner };
    if (owner === undefined) {
      this.byAmazonId.set(link.userID, accountId);
      row.amazon.push({ ...link, linkedAt: new Date().toISOString() });
    }
    return { ok: true, account: this.view(row)! };
  }

  async unlinkAmazon(accountId: string, amazonUserId: string): Promise<UnlinkResult> {
    const row = this.rows.get(accountId);
    if (row === undefined) throw new Error(`no account ${accountId}`);
    if (this.byAmazonId.get(amazonUserId) !== accountId) return { ok: false, reason: 'not_linked' };
    if (row.passwordHash === undefined && row.amazon.length === 1) return { ok: false, reason: 'last_sign_in' };
    this.byAmazonId.delete(amazonUserId);
    row.amazon = row.amazon.filter((link) => link.userID !== amazonUserId);
    return { ok: true, account: this.view(row)! };
  }

  /** A copy without the password hash: callers cannot change the store behind its back. */
  private view(row: Row | undefined): Account | undefined {
    if (row === undefined) return undefined;
    const { passwordHash: _hash, amazon, ...rest } = row;
    return structuredClone({ ...rest, amazon });
  }
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
