/** The circuit breaker's state machine, on a clock the test moves. */
import diagnostics_channel from 'node:diagnostics_channel';
import { CircuitBreaker } from '../../../lib/gate/circuit-breaker';
import { LwaUnavailableError } from '../../../lib/errors';
import { CHANNELS, type ChannelMessages } from '../../../lib/observability/events';

type CircuitEvent = ChannelMessages['circuit'];

let now = 1_000_000;
const settings = { threshold: 3, cooldown: 10_000 };
const make = () => new CircuitBreaker(settings, () => now);
let events: CircuitEvent[] = [];
const record = (e: unknown) => void events.push(e as CircuitEvent);
beforeEach(() => {
  now = 1_000_000;
  events = [];
  diagnostics_channel.subscribe(CHANNELS.circuit, record);
});
afterEach(() => diagnostics_channel.unsubscribe(CHANNELS.circuit, record));

const trip = (breaker: CircuitBreaker) => {
  for (let i = 0; i < settings.threshold; i++) breaker.failed(breaker.admit(), 'ERR_LWA_TIMEOUT');
};

test('threshold outages in a row open it; the refusal says how long until the probe', () => {
  const breaker = make();
  trip(breaker);
  expect(breaker.current).toBe('open');
  now += 2_500;
  let thrown: unknown;
  try {
    breaker.admit();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(LwaUnavailableError);
  expect(thrown).toMatchObject({ code: 'ERR_LWA_CIRCUIT_OPEN', status: 503, retryAfterSeconds: 8 });
  expect(events).toEqual([{ state: 'open', previous: 'closed', code: 'ERR_LWA_TIMEOUT' }]);
});

test('results of calls let through before a change of state are ignored', () => {
  const breaker = make();
  const early = [breaker.admit(), breaker.admit(), breaker.admit(), breaker.admit()];
  for (const ticket of early.slice(0, 3)) breaker.failed(ticket, 'ERR_LWA_UPSTREAM_STATUS');
  expect(breaker.current).toBe('open');
  breaker.succeeded(early[3]); // a slow call from before: says nothing about now
  expect(breaker.current).toBe('open');
});

test('one probe after the cooldown; its turn is given back if it ends in neither', () => {
  const breaker = make();
  trip(breaker);
  now += settings.cooldown;
  const probe = breaker.admit();
  expect(probe.probe).toBe(true);
  // Another call while the probe is in flight: refused at once, with no wait to promise.
  let during: unknown;
  try {
    breaker.admit();
  } catch (err) {
    during = err;
  }
  expect(during).toBeInstanceOf(LwaUnavailableError);
  expect(during).toMatchObject({ code: 'ERR_LWA_CIRCUIT_OPEN', retryAfterSeconds: undefined });
  breaker.released(probe);
  const next = breaker.admit();
  expect(next.probe).toBe(true);
  breaker.succeeded(next);
  expect(breaker.current).toBe('closed');
});

test('a failed probe reopens it, the cooldown counted from when the probe was sent', () => {
  const breaker = make();
  trip(breaker);
  now += settings.cooldown;
  const probe = breaker.admit();
  now += 4_000; // the probe hung for a 4 s timeout
  breaker.failed(probe, 'ERR_LWA_TIMEOUT');
  now += settings.cooldown - 4_000;
  expect(breaker.admit().probe).toBe(true);
});

test('a clock that jumps back ends the cooldown rather than stretching it', () => {
  const breaker = make();
  trip(breaker);
  now -= 60_000;
  expect(breaker.admit().probe).toBe(true);
});
