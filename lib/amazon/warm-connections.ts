import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import { KEEP_ALIVE_TIMEOUT_MS, WARM_FOR_MS } from '../defaults';
import type { LwaEndpoint } from '../errors';

/** A spare the server closed sooner than this is not replaced until the next call: no dialling in a loop. */
const MIN_SPARE_LIFE_MS = 1000;

/** One spare connection, for the calls to one endpoint. */
interface Spare {
  readonly endpoint: LwaEndpoint;
  readonly origin: string;
  readonly target: buildConnector.Options;
  /** Connected and unused; `undefined` while none is. */
  socket?: Socket | undefined;
  /** Dialling now: the socket being connected, if the connector gave it (`null` if not). */
  connecting: Partial<Socket> | null | false;
  /** No new dial before this time (after a failure). */
  restUntil: number;
  /** Stops watching `socket` (its age timer and listeners). */
  release?: (() => void) | undefined;
}

/**
 * Connections opened ahead of the calls (TCP and TLS handshakes, no HTTP request), so that a
 * verification after startup or after a quiet spell costs one round trip, not three. One spare per
 * endpoint (the two calls of a verification run at once): opened by {@link warm}, and from the first
 * call on, kept while calls are recent (within {@link WARM_FOR_MS} of the last one). The pool's
 * {@link connect} hands out a spare instead of dialling; a spare that is taken, closed by the
 * server, or as old as the pool's idle limit is replaced while calls are recent. A verifier built
 * and never used therefore holds its spares for that idle limit at most, and dials nothing more.
 * A spare that cannot be opened is reported to `onFailure` and not dialled again for
 * {@link KEEP_ALIVE_TIMEOUT_MS}.
 */
export class WarmConnections {
  private readonly spares: Spare[];
  private readonly base = buildConnector({});
  private lastCall = -Infinity;
  private enabled = false;
  private closed = false;
  private refilling: NodeJS.Immediate | undefined;

  constructor(
    urls: ReadonlyArray<readonly [LwaEndpoint, string]>,
    private readonly onFailure: (endpoint: LwaEndpoint, error: unknown, durationMs: number) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.spares = urls.map(([endpoint, url]) => {
      const { protocol, host, hostname, port, origin } = new URL(url);
      // undici dials `[::1]` as `::1`, and so do we.
      const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
      return { endpoint, origin, target: { protocol, host, hostname: bare, port }, connecting: false, restUntil: 0 };
    });
  }

  /** Whether this runtime's undici can build connections (Bun's stand-in cannot). */
  static get supported(): boolean {
    return typeof buildConnector === 'function';
  }

  /** The pool's connector: a spare of the origin when one is ready, else a new connection. */
  readonly connect = (options: buildConnector.Options, callback: buildConnector.Callback): void => {
    const origin = `${options.protocol}//${options.host}`;
    const spare = this.spares.find((s) => s.socket !== undefined && s.origin === origin);
    const socket = spare === undefined ? undefined : this.take(spare);
    if (socket === undefined) {
      this.base(options, callback);
      return;
    }
    // Later, as a dial answers: undici does not resume a client from inside its own connect call.
    queueMicrotask(() => callback(null, socket));
    this.refill();
  };

  /** Opens the spares now, and keeps them once calls come (in the background: never a delay, never a rejection). */
  warm(): void {
    this.enabled = true;
    // Once the code that built it has run: a verifier closed at once dials nothing.
    setImmediate(() => this.fill());
  }

  /** A call is being made: calls are recent, and a missing spare is opened (once {@link warm} was called). */
  used(): void {
    this.lastCall = this.now();
    this.refill();
  }

  /** Closes every spare; nothing is opened afterwards. */
  close(): void {
    this.closed = true;
    clearImmediate(this.refilling);
    for (const spare of this.spares) {
      this.take(spare)?.destroy();
      if (spare.connecting) spare.connecting.destroy?.();
    }
  }

  /**
   * Opens the missing spares, while calls are recent: a turn later, so that a handshake's CPU does
   * not delay the request being sent (or the other call of the verification).
   */
  private refill(): void {
    this.refilling ??= setImmediate(() => {
      this.refilling = undefined;
      if (this.now() - this.lastCall < WARM_FOR_MS) this.fill();
    });
  }

  private fill(): void {
    if (!this.enabled || this.closed) return;
    for (const spare of this.spares) {
      if (spare.socket === undefined && spare.connecting === false && this.now() >= spare.restUntil) this.open(spare);
    }
  }

  private open(spare: Spare): void {
    spare.connecting = null;
    const started = this.now();
    let dialled: unknown;
    const done = (error: Error | null, socket: Socket | null): void => {
      spare.connecting = false;
      if (this.closed) {
        socket?.destroy();
      } else if (error !== null || socket === null) {
        spare.restUntil = this.now() + KEEP_ALIVE_TIMEOUT_MS;
        this.onFailure(spare.endpoint, error, this.now() - started);
      } else {
        this.keep(spare, socket, started);
      }
    };
    try {
      dialled = (this.base as (o: buildConnector.Options, cb: typeof done) => unknown)(spare.target, done);
    } catch (error) {
      // A runtime that refuses synchronously (a missing permission) answers the same way.
      done(error as Error, null);
    }
    // A dial in progress must not keep a process alive that has nothing else to do.
    if (spare.connecting === null && typeof dialled === 'object' && dialled !== null) {
      spare.connecting = dialled;
      spare.connecting.unref?.();
    }
  }

  private keep(spare: Spare, socket: Socket, openedAt: number): void {
    const onClose = (): void => {
      this.take(spare);
      // Closed by the server (its idle limit): another, unless it hung up at once.
      if (this.now() - openedAt >= MIN_SPARE_LIFE_MS) this.refill();
    };
    const onEnd = (): void => void socket.destroy();
    // No older than an idle socket in the pool, so that it is not handed out as the server drops it.
    const age = setTimeout(() => {
      this.take(spare)?.destroy();
      this.refill();
    }, KEEP_ALIVE_TIMEOUT_MS).unref();
    socket.once('close', onClose).once('end', onEnd);
    spare.socket = socket;
    spare.release = () => {
      clearTimeout(age);
      socket.off('close', onClose).off('end', onEnd);
    };
  }

  /** The spare's socket, given up by the spare: its timer and listeners gone, referenced again. */
  private take(spare: Spare): Socket | undefined {
    const socket = spare.socket;
    spare.release?.();
    spare.socket = undefined;
    spare.release = undefined;
    if (socket === undefined || socket.destroyed) return undefined;
    // undici unreferences an idle socket and references a busy one only after unreferencing it itself.
    socket.ref();
    return socket;
  }
}
