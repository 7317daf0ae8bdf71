/**
 * express-session's store in the example's SQLite file (the `sessions` table), so that a restart
 * keeps people signed in: express-session's own MemoryStore is not for production.
 */
import session, { type SessionData } from 'express-session';
import type { ExampleDatabase } from './database';
import { text } from './sql';

type Done = (err?: unknown) => void;

/** A session without a cookie expiry (none here: the cookie has `maxAge`) is kept a day. */
const DEFAULT_LIFETIME_MS = 24 * 3600_000;

export class SqliteSessionStore extends session.Store {
  constructor(private readonly database: ExampleDatabase) {
    super();
  }

  override get(sid: string, done: (err: unknown, session?: SessionData | null) => void): void {
    this.answer(done, () => {
      const row = this.database.raw.get('SELECT data FROM sessions WHERE sid = ? AND expires > ?', [sid, Date.now()]);
      return row === null ? null : (JSON.parse(text(row.data, 'data')) as SessionData);
    });
  }

  override set(sid: string, data: SessionData, done?: Done): void {
    this.answer(done, () => {
      const now = Date.now();
      // Expired sessions go as new ones come: no timer to stop at shutdown.
      this.database.raw.run('DELETE FROM sessions WHERE expires <= ?', [now]);
      this.database.raw.run('INSERT OR REPLACE INTO sessions (sid, data, expires) VALUES (?, ?, ?)', [
        sid,
        JSON.stringify(data),
        expiryOf(data, now),
      ]);
    });
  }

  override touch(sid: string, data: SessionData, done?: Done): void {
    this.answer(done, () => {
      this.database.raw.run('UPDATE sessions SET expires = ? WHERE sid = ?', [expiryOf(data, Date.now()), sid]);
    });
  }

  override destroy(sid: string, done?: Done): void {
    this.answer(done, () => {
      this.database.raw.run('DELETE FROM sessions WHERE sid = ?', [sid]);
    });
  }

  /** Runs the (synchronous) query and hands its result or error to express-session's callback. */
  private answer<T>(done: ((err: unknown, result?: T) => void) | undefined, query: () => T): void {
    let result: T;
    try {
      result = query();
    } catch (err) {
      done?.(err);
      return;
    }
    done?.(null, result);
  }
}

function expiryOf(data: SessionData, now: number): number {
  const expires = data.cookie.expires;
  return expires ? new Date(expires).getTime() : now + DEFAULT_LIFETIME_MS;
}
