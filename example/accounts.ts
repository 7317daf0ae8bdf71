/**
 * The app's own account system, behind an interface, kept in SQLite (`SqliteAccountStore`; your
 * app has its own database). Two rules the store enforces itself (a unique index, a transaction),
 * because two requests can race: an Amazon `user_id` is linked to at most one account, and a
 * username belongs to at most one account.
 */
import { randomUUID } from 'node:crypto';
import type { Database, QueryResult } from 'node-sqlite3-wasm';
import type { ExampleDatabase } from './database';
import { text, uniqueViolation } from './sql';

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

/** In SQLite (example/database.ts): each change one transaction, the two rules unique indexes. */
export class SqliteAccountStore implements AccountStore {
  constructor(private readonly database: ExampleDatabase) {}

  async findById(id: string): Promise<Account | undefined> {
    return this.read((db) => accountOf(db, db.get('SELECT * FROM accounts WHERE id = ?', [id])));
  }

  async findByAmazonId(amazonUserId: string): Promise<Account | undefined> {
    return this.read((db) =>
      accountOf(
        db,
        db.get('SELECT a.* FROM accounts a JOIN amazon_links l ON l.account_id = a.id WHERE l.user_id = ?', [
          amazonUserId,
        ]),
      ),
    );
  }

  async findByEmail(email: string): Promise<Account[]> {
    return this.read((db) =>
      db
        .all('SELECT * FROM accounts WHERE lower(trim(email)) = ? ORDER BY rowid', [email.trim().toLowerCase()])
        .map((row) => accountOf(db, row)!),
    );
  }

  async credentials(username: string): Promise<{ account: Account; passwordHash: string } | undefined> {
    return this.read((db) => {
      const row = db.get('SELECT * FROM accounts WHERE username = ?', [username.toLowerCase()]);
      if (row === null || typeof row.password_hash !== 'string') return undefined;
      return { account: accountOf(db, row)!, passwordHash: row.password_hash };
    });
  }

  async create(input: NewAccount): Promise<Account> {
    const id = randomUUID();
    try {
      return this.database.transaction((db) => {
        db.run('INSERT INTO accounts (id, name, email, username, password_hash) VALUES (?, ?, ?, ?, ?)', [
          id,
          input.name,
          input.email ?? null,
          input.username?.toLowerCase() ?? null,
          input.passwordHash ?? null,
        ]);
        if (input.amazon !== undefined) insertLink(db, id, input.amazon);
        return accountOf(db, db.get('SELECT * FROM accounts WHERE id = ?', [id]))!;
      });
    } catch (err) {
      const broken = uniqueViolation(err);
      if (broken === 'accounts.username') throw new DuplicateError('username');
      if (broken === 'amazon_links.user_id') throw new DuplicateError('amazon');
      throw err;
    }
  }

  async linkAmazon(accountId: string, link: Omit<AmazonLink, 'linkedAt'>): Promise<LinkResult> {
    try {
      return this.database.transaction((db) => {
        const account = accountOf(db, db.get('SELECT * FROM accounts WHERE id = ?', [accountId]));
        if (account === undefined) throw new Error(`no account ${accountId}`);
        if (account.amazon.some((l) => l.userID === link.userID)) return { ok: true, account };
        // No look-up first: the unique index refuses a customer linked elsewhere, whoever got there first.
        insertLink(db, accountId, link);
        return { ok: true, account: accountOf(db, db.get('SELECT * FROM accounts WHERE id = ?', [accountId]))! };
      });
    } catch (err) {
      if (uniqueViolation(err) !== 'amazon_links.user_id') throw err;
      const owner = await this.findByAmazonId(link.userID);
      return { ok: false, linkedTo: owner?.id ?? '' };
    }
  }

  async unlinkAmazon(accountId: string, amazonUserId: string): Promise<UnlinkResult> {
    return this.database.transaction((db): UnlinkResult => {
      const account = accountOf(db, db.get('SELECT * FROM accounts WHERE id = ?', [accountId]));
      if (account === undefined) throw new Error(`no account ${accountId}`);
      if (!account.amazon.some((l) => l.userID === amazonUserId)) return { ok: false, reason: 'not_linked' };
      const hasPassword = db.get('SELECT 1 FROM accounts WHERE id = ? AND password_hash IS NOT NULL', [accountId]);
      if (hasPassword === null && account.amazon.length === 1) return { ok: false, reason: 'last_sign_in' };
      db.run('DELETE FROM amazon_links WHERE user_id = ? AND account_id = ?', [amazonUserId, accountId]);
      return { ok: true, account: { ...account, amazon: account.amazon.filter((l) => l.userID !== amazonUserId) } };
    });
  }

  private read<T>(query: (db: Database) => T): T {
    return query(this.database.raw);
  }
}

function insertLink(db: Database, accountId: string, link: Omit<AmazonLink, 'linkedAt'>): void {
  db.run('INSERT INTO amazon_links (user_id, account_id, name, email, linked_at) VALUES (?, ?, ?, ?, ?)', [
    link.userID,
    accountId,
    link.name ?? null,
    link.email ?? null,
    new Date().toISOString(),
  ]);
}

/** An `accounts` row and its links, as the app shows it (no password hash). */
function accountOf(db: Database, row: QueryResult | null): Account | undefined {
  if (row === null) return undefined;
  const id = text(row.id, 'id');
  const amazon = db
    .all('SELECT * FROM amazon_links WHERE account_id = ? ORDER BY rowid', [id])
    .map((l): AmazonLink => ({
      userID: text(l.user_id, 'user_id'),
      ...optional({ name: l.name, email: l.email }),
      linkedAt: text(l.linked_at, 'linked_at'),
    }));
  return { id, name: text(row.name, 'name'), ...optional({ email: row.email, username: row.username }), amazon };
}

/** The string columns among `columns` that are not NULL. */
function optional<K extends string>(columns: Record<K, unknown>): Partial<Record<K, string>> {
  return Object.fromEntries(Object.entries(columns).filter(([, v]) => typeof v === 'string')) as Partial<
    Record<K, string>
  >;
}
