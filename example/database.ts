/**
 * The example's database: one SQLite file (WebAssembly SQLite, node-sqlite3-wasm: no native build,
 * so one node_modules serves every Node version) holding accounts, their Amazon links and the
 * sessions. Created on first start; the two account rules are unique indexes, so the database
 * settles a race that two requests start at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { SqliteAccountStore } from './accounts';
import { SqliteSessionStore } from './session-store';
import { text } from './sql';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  username TEXT,
  password_hash TEXT
);
-- A username belongs to at most one account (stored lower-case).
CREATE UNIQUE INDEX IF NOT EXISTS accounts_username ON accounts (username);
CREATE INDEX IF NOT EXISTS accounts_email ON accounts (lower(trim(email)));

CREATE TABLE IF NOT EXISTS amazon_links (
  user_id TEXT NOT NULL,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT,
  email TEXT,
  linked_at TEXT NOT NULL
);
-- An Amazon customer (user_id) is linked to at most one account.
CREATE UNIQUE INDEX IF NOT EXISTS amazon_links_user_id ON amazon_links (user_id);
CREATE INDEX IF NOT EXISTS amazon_links_account ON amazon_links (account_id);

CREATE TABLE IF NOT EXISTS sessions (
  sid TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  expires INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** The file `npm run example` keeps its data in, under the data folder. */
export const DATABASE_FILE = 'example.sqlite';

export class ExampleDatabase {
  readonly accounts: SqliteAccountStore;
  readonly sessions: SqliteSessionStore;

  private constructor(
    private readonly db: Database,
    /** The file, or `':memory:'`. */
    readonly file: string,
  ) {
    this.accounts = new SqliteAccountStore(this);
    this.sessions = new SqliteSessionStore(this);
  }

  /** Opens (creating it and its folder if need be) `dataDir`/example.sqlite; `':memory:'` for none. */
  static open(dataDir: string): ExampleDatabase {
    const file = dataDir === ':memory:' ? dataDir : path.join(dataDir, DATABASE_FILE);
    if (file !== ':memory:') mkdirSync(dataDir, { recursive: true });
    const db = new Database(file);
    db.exec('PRAGMA foreign_keys = ON');
    db.exec(SCHEMA);
    return new ExampleDatabase(db, file);
  }

  get raw(): Database {
    return this.db;
  }

  /**
   * Runs `work` in one transaction: all of it or nothing. SQLite takes the write lock at BEGIN
   * IMMEDIATE, so another process on the same file waits instead of reading a stale "before".
   */
  transaction<T>(work: (db: Database) => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work(this.db);
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** A setting kept in the file (the session secret), made by `create` on first use. */
  setting(name: string, create: () => string): string {
    return this.transaction((db) => {
      const row = db.get('SELECT value FROM settings WHERE name = ?', [name]);
      if (row !== null) return text(row.value, 'value');
      const value = create();
      db.run('INSERT INTO settings (name, value) VALUES (?, ?)', [name, value]);
      return value;
    });
  }

  /** The session cookie's signing secret: `SESSION_SECRET`, else one made on first start and kept, so sessions survive a restart. */
  sessionSecret(fromEnv: string | undefined): string {
    return fromEnv || this.setting('session_secret', () => randomBytes(32).toString('base64url'));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
