/** Reading node-sqlite3-wasm's answers: columns as strings, and which unique index a write broke. */
import { SQLite3Error } from 'node-sqlite3-wasm';

/** A TEXT column's value; anything else is a bug in the query, said so. */
export function text(value: unknown, column: string): string {
  if (typeof value !== 'string') throw new TypeError(`column ${column}: expected text`);
  return value;
}

/** The unique index `err` broke, as `table.column` (e.g. `amazon_links.user_id`); `undefined` if another error. */
export function uniqueViolation(err: unknown): string | undefined {
  if (!(err instanceof SQLite3Error)) return undefined;
  return /UNIQUE constraint failed: ([\w.]+)/.exec(err.message)?.[1];
}
