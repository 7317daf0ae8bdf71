/**
 * Option resolution (lib/options.ts and the checks it calls), as a property: any options bag (each
 * option valid, invalid, or anything at all, unknown and removed names beside) resolves to a frozen
 * configuration exactly when every option given is valid, and otherwise throws a `TypeError` that
 * names an option the bag holds with a value that is not valid (or `clientID` when it is missing).
 */
import fc from 'fast-check';
import { DEFAULT_TIMEOUT_MS } from '../../lib/defaults';
import { resolveOptions } from '../../lib/options';
import { runs } from './settings';

const store = { get: async () => undefined, set: async () => true, delete: async () => true };
const id = ['amzn1.application-oa2-client.x', ['a', 'b'], () => 'tenant'];
const badId = ['', ' x', 'x ', [], [''], [5], 5, null, {}];
const url = [
  'https://api.amazon.com/auth/o2/tokeninfo',
  'http://127.0.0.1:9/x',
  'http://localhost/x',
  'http://[::1]:8/p',
];
const badUrl = ['http://example.com/x', 'ftp://x/', 'not a url', 'https://u:p@x/', 'https://x/#h', 5];
/** Per option: values that are valid, and values that are not (`null`, like `undefined`, is the default for some). */
const POOLS: Record<string, { valid: unknown[]; invalid: unknown[] }> = {
  clientID: { valid: id, invalid: badId },
  appID: { valid: id, invalid: badId },
  region: { valid: ['NA', 'EU', 'FE', undefined], invalid: ['na', 'US', 5, 'toString'] },
  tokenInfoURL: { valid: url, invalid: badUrl },
  profileURL: { valid: url, invalid: badUrl },
  tokenSources: {
    valid: [['authorization'], ['query', 'body'], ['x-amz-access-token']],
    invalid: [['header'], 'authorization', [5]],
  },
  extractToken: { valid: [() => undefined], invalid: ['fn', 5, null, {}] },
  timeout: { valid: [1, 2000, 60_000, undefined], invalid: [0, 60_001, 1.5, '100', NaN] },
  dispatcher: { valid: [{ dispatch: () => true }], invalid: [{}, 5, null, 'agent'] },
  circuitBreaker: {
    valid: [true, false, {}, { threshold: 1 }, { cooldown: 3_600_000 }, undefined],
    invalid: [{ threshold: 0 }, { threshold: 1001 }, { cooldown: 0 }, { cooldown: 3_600_001 }, { foo: 1 }, 'yes', null],
  },
  cache: {
    valid: [true, false, { max: 10 }, { ttl: 1000, staleIfError: 0 }, store, { store }, { max: 90_000 }],
    invalid: [
      { max: 0 },
      { max: 90_001 },
      { ttl: 3_600_001 },
      { staleIfError: 3_600_001 },
      { ttl: 'x' },
      { store: {} },
      { localTtl: 5 },
      null,
    ],
  },
  scope: {
    valid: ['profile', 'postal_code', ['profile', 'profile:user_id']],
    invalid: ['email', [], ['profile', 'x'], 5],
  },
};
/** Names that are not options: removed ones, near misses, inherited names. */
const UNKNOWN = [
  'realm',
  'retries',
  'maxPending',
  'tokenInfoTransport',
  'clientId',
  'appId',
  'tokenSource',
  'toString',
  'x',
];

type Kind = 'valid' | 'invalid' | 'anything';
const option = (name: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...POOLS[name].valid).map((value) => ({ kind: 'valid', value })) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(...POOLS[name].invalid).map((value) => ({ kind: 'invalid', value })),
    },
    { weight: 1, arbitrary: fc.anything().map((value) => ({ kind: 'anything', value })) },
  );
/** clientID (mostly), and up to three other options: one bad value then shows which check it meets. */
const bag = fc
  .tuple(
    fc.oneof({ weight: 12, arbitrary: option('clientID').map((c) => ({ clientID: c })) }, fc.constant({})),
    fc
      .uniqueArray(fc.constantFrom(...Object.keys(POOLS).filter((name) => name !== 'clientID')), { maxLength: 3 })
      .chain((names) => fc.tuple(...names.map((name) => option(name).map((c) => [name, c] as const))))
      .map(Object.fromEntries),
    fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, fc.constantFrom(...UNKNOWN)),
  )
  .map(([id, more, unknown]) => [{ ...id, ...more }, unknown] as const);
/** The options, and for each name given whether its value was drawn valid, invalid, or anything. */
const input = fc.oneof(
  {
    weight: 12,
    arbitrary: bag.map(([named, unknown]) => {
      const options: Record<string, unknown> = {};
      const kinds = new Map<string, Kind>();
      for (const [name, choice] of Object.entries(
        named as Record<string, { kind: Kind; value: unknown } | undefined>,
      )) {
        if (choice === undefined) continue;
        options[name] = choice.value;
        kinds.set(name, choice.kind);
      }
      if (unknown !== null) {
        options[unknown] = 1;
        kinds.set(unknown, 'invalid');
      }
      return { options: options, kinds };
    }),
  },
  // Anything at all: every name it holds may be at fault.
  {
    weight: 1,
    arbitrary: fc.anything().map((options) => ({
      options,
      kinds: new Map<string, Kind>(
        typeof options === 'object' && options !== null ? Object.keys(options).map((k) => [k, 'anything']) : [],
      ),
    })),
  },
);

test('any options: a frozen configuration when every option is valid, else a TypeError naming an option at fault', () => {
  fc.assert(
    fc.property(input, ({ options, kinds }) => {
      const isBag = typeof options === 'object' && options !== null;
      const given = (isBag ? options : {}) as Record<string, unknown>;
      // An empty tokenSources is valid only beside an extractToken (the request has to come from somewhere).
      const noSources = Array.isArray(given.tokenSources) && given.tokenSources.length === 0;
      const allValid =
        isBag &&
        kinds.has('clientID') &&
        [...kinds.values()].every((kind) => kind === 'valid') &&
        !(noSources && kinds.get('extractToken') !== 'valid');
      let resolved: ReturnType<typeof resolveOptions>;
      try {
        resolved = resolveOptions(options);
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
        expect(allValid).toBe(false);
        // The option named, as its top-level name (`cache.ttl` is the `cache` option's fault).
        const quoted = /option `(.*?)`(?: must be| was removed|; did you mean|$)/s.exec((error as Error).message)?.[1];
        const named = quoted?.replace(/^(cache|circuitBreaker)\..*$/s, '$1');
        const atFault = [...kinds].filter(([, kind]) => kind !== 'valid').map(([name]) => name);
        if (!isBag) expect(named).toBe('options');
        else if (!Object.hasOwn(given, 'clientID')) expect([...atFault, 'clientID']).toContain(named);
        else expect(noSources ? [...atFault, 'tokenSources'] : atFault).toContain(named);
        return;
      }
      // A bag resolves only when its values are valid (or, drawn at random, happen to be), and completely.
      const invalid = [...kinds].filter(([, kind]) => kind === 'invalid').map(([name]) => name);
      expect({ resolved: true, invalid }).toEqual({ resolved: true, invalid: [] });
      expect(isBag && kinds.has('clientID') ? 'resolved' : 'should have thrown').toBe('resolved');
      expect(Object.isFrozen(resolved)).toBe(true);
      expect(resolved.timeout).toBe(given.timeout ?? DEFAULT_TIMEOUT_MS);
      expect(resolved.clientID).toBeDefined();
    }),
    runs(600),
  );
});
