/**
 * The tracing channel's contract (docs/tracing.md, The channel): `start`, `end`, `asyncStart`,
 * `asyncEnd` in that order for every authentication, `error` before `asyncStart` for an error, one
 * context throughout; and nothing published, nothing allocated, when nobody subscribes. The spans an
 * OpenTelemetry subscriber makes of it, over HTTP: test/http/tracing.test.ts.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { CachedVerifier } from '../../../lib/cache/cached-verifier';
import { CHANNELS } from '../../../lib/observability/events';
import * as tracing from '../../../lib/observability/tracing';
import {
  traceAttempt,
  traceAuthentication,
  traceCache,
  tracingAuthentications,
  type AuthenticateTraceContext,
} from '../../../lib/observability/tracing';
import { authenticateOnce, useEmulator } from '../../support/fixture';

const lwa = useEmulator();
const SUB_CHANNELS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
type SubChannel = (typeof SUB_CHANNELS)[number];

/** What was published, in order: the sub-channel, and a copy of the context as it was then. */
let published: Array<{ on: SubChannel; context: AuthenticateTraceContext; same: boolean }> = [];
let first: object | undefined;
const channel = diagnostics_channel.tracingChannel<unknown, AuthenticateTraceContext>(CHANNELS.authenticate);
const record =
  (on: SubChannel) =>
  (context: AuthenticateTraceContext): void => {
    first ??= context;
    published.push({ on, context: { ...context }, same: context === first });
  };
const subscribers = {
  start: record('start'),
  end: record('end'),
  asyncStart: record('asyncStart'),
  asyncEnd: record('asyncEnd'),
  error: record('error'),
};
beforeEach(() => {
  published = [];
  first = undefined;
});
const order = () => published.map((p) => p.on);
/** A request as Node hands it over: header names in lower case. */
const withToken = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('with a subscriber', () => {
  beforeEach(() => channel.subscribe(subscribers));
  afterEach(() => channel.unsubscribe(subscribers));

  afterEach(() => jest.restoreAllMocks());

  test('an outcome decided before authenticate() returns: start, end, asyncStart, asyncEnd; known by end', async () => {
    const traced = jest.spyOn(tracing, 'traceAuthentication');
    const { outcome } = await authenticateOnce(lwa.strategy(), { headers: {} });
    expect(traced).toHaveBeenCalledTimes(1); // the spy sees the strategy's calls: the test with nobody subscribed relies on it
    expect(outcome.kind).toBe('fail');
    expect(order()).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(published.every((p) => p.same)).toBe(true);
    expect(published[0].context).toEqual({ upstreamAttempts: 0 });
    const decided = { outcome: 'fail', status: 401, reason: 'no_token', upstreamAttempts: 0 };
    expect(published.slice(1).map((p) => p.context)).toEqual([decided, decided, decided]);
  });

  test('an outcome decided later: start, end, then asyncStart, asyncEnd, before Passport is told', async () => {
    // What had been published when Passport was told.
    const told = new Promise<string[]>((resolve) => {
      const run = Object.create(lwa.strategy()) as Record<string, unknown> & { authenticate(req: unknown): void };
      run.success = () => resolve(order());
      run.fail = run.error = () => resolve(['not a success']);
      run.authenticate(withToken(lwa.mint()));
    });
    expect(await told).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(published[1].context).not.toHaveProperty('outcome'); // end: the verification is under way
    expect(published[3].context).toEqual({
      outcome: 'success',
      status: 200,
      cache: 'miss',
      upstreamAttempts: 1,
      origin: 'authorization',
    });
    expect(published.every((p) => p.same)).toBe(true);
  });

  test('an error: error just before asyncStart, with what Passport was given', async () => {
    lwa.emu.fault('both', { kind: 'status', status: 500 });
    const { outcome } = await authenticateOnce(lwa.strategy(), {
      headers: { authorization: `Bearer ${lwa.mint()}` },
    });
    expect(outcome.kind).toBe('error');
    expect(order()).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    const last = published[4].context;
    // A lasting 500: the first attempt and the one retry, each recorded in the trace.
    expect(last).toMatchObject({
      outcome: 'error',
      status: 502,
      code: 'ERR_LWA_UPSTREAM_STATUS',
      cache: 'miss',
      upstreamAttempts: 2,
    });
    expect(last.error).toBe(outcome.kind === 'error' ? outcome.err : undefined);
  });

  test('a throw out of the traced run still ends the trace, as an error, and is rethrown', () => {
    const bug = new Error('bug');
    expect(() =>
      traceAuthentication(() => {
        throw bug;
      }),
    ).toThrow(bug);
    expect(order()).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(published[4].context).toEqual({ outcome: 'error', status: 500, upstreamAttempts: 0, error: bug });
  });

  test('the cache and the client record into the trace they run in, across awaits, with no parameter', async () => {
    traceCache('miss'); // outside any trace: nothing to record into, nothing thrown
    traceAttempt(3);
    let finished!: Promise<void>;
    traceAuthentication((trace) => {
      finished = (async () => {
        await Promise.resolve();
        traceCache('hit');
        traceAttempt(2);
        await new Promise((resolve) => setImmediate(resolve));
        traceAttempt(1); // the two calls run at once: the most attempts either made wins
        trace.decide({ outcome: 'success', status: 200 });
      })();
    });
    await finished;
    expect(published.at(-1)?.context).toEqual({
      outcome: 'success',
      status: 200,
      cache: 'hit',
      upstreamAttempts: 2,
    });
  });

  test('the first outcome wins', () => {
    traceAuthentication((trace) => {
      trace.decide({ outcome: 'fail', status: 401, reason: 'no_token' });
      trace.decide({ outcome: 'success', status: 200 });
    });
    expect(order()).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(published[3].context).toMatchObject({ outcome: 'fail', reason: 'no_token' });
  });
});

describe('with nobody subscribed', () => {
  afterEach(() => jest.restoreAllMocks());

  test('nothing is published, and no trace is made or entered', async () => {
    expect(tracingAuthentications()).toBe(false);
    // The one place a trace is made and its AsyncLocalStorage entered: never reached, so the
    // cache's and the client's records (traceCache, traceAttempt) find no trace and keep nothing.
    const traced = jest.spyOn(tracing, 'traceAuthentication');
    // The sub-channels are Node's, shared by name: spying on them sees any publication.
    const spies = SUB_CHANNELS.map((name) => {
      const sub = diagnostics_channel.channel(`tracing:${CHANNELS.authenticate}:${name}`);
      return [jest.spyOn(sub, 'publish'), jest.spyOn(sub, 'runStores')];
    }).flat();
    const lookup = jest.spyOn(CachedVerifier.prototype, 'lookup');
    const strategy = lwa.strategy();
    const token = lwa.mint();
    for (const req of [{ headers: {} }, withToken(token), withToken(token)]) {
      await authenticateOnce(strategy, req);
    }
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(traced).not.toHaveBeenCalled();
    expect(published).toEqual([]);
  });
});
