import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deadline } from '../amazon/deadline';
import { LEASE_FRACTION, LEASE_POLL_FIRST_MS, LEASE_POLL_MAX_MS } from '../defaults';
import { UNREACHABLE, type GuardedStoreCache } from './guarded-store';
import type { Remembered } from './remembered';
import { revokedKey, revokedUntil } from './revocations';

/**
 * What a store holds while one process verifies a token for the fleet: a random ID and when the
 * lease ends (epoch ms), under `<verdict key>:lease`. Never the token, nor anything from Amazon.
 */
export interface LeaseEntry {
  readonly v: 1;
  readonly until: number;
  readonly lease: string;
}

/** What the store says before this process would ask Amazon about a token. */
export type Before =
  /** Revoked (`revoke(token)`, here or in another process): refuse, whatever else is kept. */
  | { readonly kind: 'revoked'; readonly until: number }
  /** A fresh verdict: in the store at once, or written by the process that held the lease (`waited`). */
  | { readonly kind: 'verdict'; readonly remembered: Remembered; readonly waited: boolean }
  /**
   * Ask Amazon: with the lease (`lead`, to release once the verdict is written), or without one
   * (the store is down, or the leader gave up or died). `fallback`: a verdict kept only as stale.
   */
  | { readonly kind: 'ask'; readonly fallback: Remembered | undefined; readonly lead: Lead | undefined };

/** The lease this process holds; released once its verdict is in the store, never past its end. */
export interface Lead {
  /** Deletes the lease after `written` (the verdict's write) settles: waiters then read the verdict, or see none. */
  release(written?: Promise<unknown>): void;
}

/**
 * Single flight across processes sharing a store: the first to need a token takes a short lease
 * and asks Amazon; the others poll the store (every 4 ms, then up to every 16 ms) for its verdict
 * instead of asking too. Precedence, on every read: a revocation beats a lease, which beats a
 * verdict kept only as a stale fallback (a fresh verdict answers at once).
 *
 * - The lease: with the store's `setIfAbsent` (Redis `SET NX PX`), one process gets it. With only
 *   get/set, each process that saw none writes its own, waits about twice what its reads and write
 *   took, and reads it back: the last writer holds it. Writers that far apart are rare, so a burst
 *   costs one verification, two at worst.
 * - It lasts half of `timeout`, is renewed by its leader every quarter of `timeout` while Amazon is
 *   being asked, and is deleted once the verdict is written: it never outlives the verification. A
 *   waiter waits while the lease holds, up to its own deadline: a slow Amazon's verdict reaches it
 *   from the store as soon as it would have reached it by asking alone. A leader that died stops
 *   renewing: its lease ends within half of `timeout` of its death, and the waiters ask Amazon.
 * - A leader whose verification ended in an outage writes nothing (outages are not cached) and
 *   deletes the lease: the waiters see it gone and ask Amazon themselves. A refusal is written and
 *   shared like any verdict.
 * - With the store down, there is no lease and no waiting: each process asks Amazon on its own.
 */
export class Leases {
  private readonly leaseMs: number;

  constructor(
    private readonly store: GuardedStoreCache,
    timeout: number,
    private readonly now: () => number,
  ) {
    this.leaseMs = Math.max(1, Math.ceil(timeout / LEASE_FRACTION));
  }

  /**
   * Reads the store for the token (its revocation, its verdict under `key`, the lease on
   * `leaseKey`), and waits for another process's verdict when that process holds the lease.
   * `accepts` says whether a kept verdict answers this verification.
   */
  async before(
    key: string,
    digest: string,
    leaseKey: string,
    deadline: Deadline,
    accepts: (kept: Remembered) => boolean,
  ): Promise<Before> {
    const started = performance.now();
    const limit = deadline.remaining();
    // With setIfAbsent the lease is taken, not read; without it, reading it now saves a round trip.
    // The lease before the verdict: a leader writes its verdict, then deletes its lease, so a lease
    // read gone means the verdict read after it sees what that leader wrote.
    const [lease, revoked, stored] = await Promise.all([
      this.store.canSetIfAbsent ? undefined : this.store.read(leaseKey, limit),
      this.store.read(revokedKey(digest), limit),
      this.store.get(key, limit),
    ]);
    const now = this.now();
    const until = revokedUntil(revoked, now);
    if (until !== undefined) return { kind: 'revoked', until };
    const kept = stored !== undefined && accepts(stored) ? stored : undefined;
    if (kept !== undefined && kept.freshUntil > now) return { kind: 'verdict', remembered: kept, waited: false };
    if (revoked === UNREACHABLE || lease === UNREACHABLE) return { kind: 'ask', fallback: kept, lead: undefined };

    const fresh = (found: Remembered | undefined): Remembered | undefined =>
      found !== undefined && found.freshUntil > this.now() && accepts(found) ? found : undefined;
    const { lead, verdict } = await this.claim(key, leaseKey, lease, deadline, started, fresh);
    if (verdict !== undefined) {
      // A leader finished between the first read and the claim: its verdict answers.
      if (lead !== undefined && lead !== 'follow') lead.release();
      return { kind: 'verdict', remembered: verdict, waited: true };
    }
    if (lead !== 'follow') return { kind: 'ask', fallback: kept, lead };
    const awaited = await this.follow(key, leaseKey, deadline, accepts);
    if (awaited !== undefined) return { kind: 'verdict', remembered: awaited, waited: true };
    return { kind: 'ask', fallback: kept, lead: undefined };
  }

  /**
   * Takes the lease (`lead`), finds it held by another process (`'follow'`), or cannot tell
   * (`undefined`: ask alone). The verdict is read again with the lease's last step (after it, in the
   * same round trip): a `verdict` a leader wrote before giving its lease up answers instead.
   */
  private async claim(
    key: string,
    leaseKey: string,
    seen: unknown,
    deadline: Deadline,
    started: number,
    fresh: (found: Remembered | undefined) => Remembered | undefined,
  ): Promise<{ lead: Lead | 'follow' | undefined; verdict?: Remembered }> {
    const id = randomUUID();
    const entry: LeaseEntry = { v: 1, until: this.now() + this.leaseMs, lease: id };
    const ends = performance.now() + this.leaseMs;
    if (this.store.canSetIfAbsent) {
      const [took, found] = await Promise.all([
        this.store.writeIfAbsent(leaseKey, entry, this.leaseMs),
        this.store.get(key, deadline.remaining()),
      ]);
      const lead = took === UNREACHABLE ? undefined : took ? this.lead(leaseKey, entry, ends) : 'follow';
      return { lead, verdict: fresh(found) };
    }
    if (leaseHolder(seen, this.now()) !== undefined) return { lead: 'follow' };
    if (!(await this.store.write(leaseKey, entry, this.leaseMs))) return { lead: undefined };
    // Others that saw no lease are writing theirs now: let their writes land, then the last one holds it.
    const settle = Math.min(SETTLE_MAX_MS, Math.max(SETTLE_MIN_MS, 2 * (performance.now() - started)));
    await sleep(Math.min(settle, deadline.remaining()));
    const [back, found] = await Promise.all([
      this.store.read(leaseKey, deadline.remaining()),
      this.store.get(key, deadline.remaining()),
    ]);
    const holder = back === UNREACHABLE ? id : leaseHolder(back, this.now());
    return { lead: holder === id ? this.lead(leaseKey, entry, ends) : 'follow', verdict: fresh(found) };
  }

  /** The lease this process took (`ends`: its end on the monotonic clock), renewed until released. */
  private lead(leaseKey: string, entry: LeaseEntry, ends: number): Lead {
    let renewed: Promise<unknown> = Promise.resolve();
    // Every half lease while Amazon is being asked: waiters see a live leader, however slow Amazon is.
    const renewal = setInterval(() => {
      const end = performance.now() + this.leaseMs;
      renewed = this.store.write(leaseKey, { ...entry, until: this.now() + this.leaseMs }, this.leaseMs).then((ok) => {
        if (ok) ends = end;
      });
    }, this.leaseMs / 2);
    renewal.unref();
    const drop = (): void => {
      // Past its end the lease is gone by itself, and the key may hold another process's by now.
      if (performance.now() < ends) void this.store.delete(leaseKey);
    };
    return {
      release: (written) => {
        clearInterval(renewal);
        // After a renewal under way too: one landing after the delete would bring the lease back.
        void Promise.all([written, renewed]).then(drop, drop);
      },
    };
  }

  /**
   * Polls for the leader's verdict while its lease holds, up to this verification's deadline: the
   * leader renews it while it asks Amazon, so it ends early only when the leader died, or finished
   * without a verdict (an outage). `undefined`: none came.
   */
  private async follow(
    key: string,
    leaseKey: string,
    deadline: Deadline,
    accepts: (kept: Remembered) => boolean,
  ): Promise<Remembered | undefined> {
    let pause = LEASE_POLL_FIRST_MS;
    for (;;) {
      const left = deadline.remaining();
      if (left <= 0) return undefined;
      await sleep(Math.min(pause, left));
      // The lease first: a leader writes its verdict, then deletes the lease, so a lease read gone
      // means the verdict read after it sees what the leader wrote (if anything).
      const [lease, found] = await Promise.all([
        this.store.read(leaseKey, deadline.remaining()),
        this.store.get(key, deadline.remaining()),
      ]);
      const now = this.now();
      if (found !== undefined && found.freshUntil > now && accepts(found)) return found;
      if (lease === UNREACHABLE || leaseHolder(lease, now) === undefined) return undefined;
      pause = Math.min(pause * 1.5, LEASE_POLL_MAX_MS);
    }
  }
}

/** The store key of the lease on a verification (`flightKey`: the verdict key, or a profile-free flight's). */
export function leaseKeyOf(flightKey: string): string {
  return `${flightKey}:lease`;
}

/** The ID of the lease in `value`, if it is one still in force at `now`. */
function leaseHolder(value: unknown, now: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const { v, until, lease } = value as Partial<Record<keyof LeaseEntry, unknown>>;
    return v === 1 && typeof lease === 'string' && typeof until === 'number' && until > now ? lease : undefined;
  } catch {
    // A value whose properties throw when read: not a lease this library wrote.
    return undefined;
  }
}

/** Bounds of the wait between writing a lease and reading it back (get/set stores only). */
const SETTLE_MIN_MS = 3;
const SETTLE_MAX_MS = 50;
