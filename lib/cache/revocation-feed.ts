import { publishCache } from '../observability/events';
import type { CacheStore } from './entry';
import type { GuardedStoreCache } from './guarded-store';

/** The channel revocations are published on: the token's SHA-256 and its expiry, never the token. */
export const REVOCATION_CHANNEL = 'lwa:v1:revoked';

const DIGEST = /^[A-Za-z0-9_-]{43}$/;

/** What a process told of a revocation does: forget the token's verdicts, refuse it until `until`. */
export type OnRevoked = (digest: string, until: number) => void;

/**
 * Revocations told to every verifier sharing a store that can publish and subscribe (its optional
 * `publish` and `subscribe`), so each refuses a revoked token at once, its local layer included.
 * While the subscription is down, or not yet up, {@link listening} is `false`: the verifier then
 * reads the store on every lookup, since it may miss a revocation; once resubscribed, `onRegained`
 * empties the local layer, which may hold a token revoked meanwhile. A subscription that fails is
 * a `store-error` event (`subscribe`), and the verifier goes on reading the store.
 */
export class RevocationFeed {
  /** Whether every revocation published now reaches this process. Read on every cached lookup. */
  listening = false;
  private subscribed = false;

  private constructor(
    private readonly store: GuardedStoreCache,
    onRevoked: OnRevoked,
    private readonly onRegained: () => void,
    subscribe: NonNullable<CacheStore['subscribe']>,
  ) {
    const onMessage = (message: string): void => {
      const revoked = decodeMessage(message);
      if (revoked) onRevoked(revoked.digest, revoked.until);
    };
    const started = performance.now();
    Promise.resolve()
      .then(() => subscribe(REVOCATION_CHANNEL, onMessage, (on) => this.setListening(on)))
      .then(
        () => {
          this.subscribed = true;
          this.setListening(true);
        },
        () => this.lost(started),
      );
  }

  /** The feed over `store`, if it can publish and subscribe; `undefined` otherwise. */
  static over(
    raw: CacheStore,
    store: GuardedStoreCache,
    onRevoked: OnRevoked,
    onRegained: () => void,
  ): RevocationFeed | undefined {
    if (typeof raw.publish !== 'function' || typeof raw.subscribe !== 'function') return undefined;
    return new RevocationFeed(store, onRevoked, onRegained, raw.subscribe.bind(raw));
  }

  /** Tells every subscriber; resolves whether the store took the message (a failure is a `store-error` event). */
  publish(digest: string, until: number): Promise<boolean> {
    return this.store.publish(REVOCATION_CHANNEL, `${digest} ${until}`);
  }

  private setListening(on: boolean): void {
    // Listening only once the first subscription is in place: a "ready" before it proves nothing.
    if (!this.subscribed) return;
    if (!on) {
      if (this.listening) this.lost(performance.now());
      return;
    }
    if (this.listening) return;
    this.onRegained();
    this.listening = true;
  }

  private lost(since: number): void {
    this.listening = false;
    publishCache({
      type: 'store-error',
      operation: 'subscribe',
      reason: 'error',
      durationMs: performance.now() - since,
    });
  }
}

/** A message of {@link REVOCATION_CHANNEL}: `<SHA-256, base64url> <until, epoch ms>`; anything else is ignored. */
function decodeMessage(message: unknown): { digest: string; until: number } | undefined {
  if (typeof message !== 'string') return undefined;
  const [digest, until, extra] = message.split(' ');
  const ms = Number(until);
  if (extra !== undefined || digest === undefined || !DIGEST.test(digest) || !Number.isSafeInteger(ms))
    return undefined;
  return { digest, until: ms };
}
