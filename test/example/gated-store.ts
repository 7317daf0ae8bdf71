/** An account store whose Amazon look-ups wait at a gate: every caller reads the same "before", as two racing requests can. */
import type { AccountStore } from '../../example/accounts';

export interface GatedStore {
  readonly store: AccountStore;
  /** Resolves once `count` look-ups are waiting at the gate. */
  held(count: number): Promise<void>;
  /** Opens the gate, for good. */
  release(): void;
}

export function gatedStore(inner: AccountStore): GatedStore {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const watchers: Array<{ count: number; resolve: () => void }> = [];
  const store: AccountStore = {
    findById: (id) => inner.findById(id),
    findByAmazonId: async (id) => {
      const answer = await inner.findByAmazonId(id);
      waiting++;
      for (const w of watchers) if (waiting >= w.count) w.resolve();
      await gate;
      return answer;
    },
    findByEmail: (email) => inner.findByEmail(email),
    credentials: (username) => inner.credentials(username),
    create: (input) => inner.create(input),
    linkAmazon: (accountId, link) => inner.linkAmazon(accountId, link),
    unlinkAmazon: (accountId, amazonUserId) => inner.unlinkAmazon(accountId, amazonUserId),
  };
  return {
    store,
    held: (count) => new Promise((resolve) => (waiting >= count ? resolve() : watchers.push({ count, resolve }))),
    release: open,
  };
}
