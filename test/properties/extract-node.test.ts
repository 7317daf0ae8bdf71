/**
 * Token extraction from a Node request (docs/design.md, Token form and Outcomes), as a property:
 * whatever the headers (repeated, any case), the query (in the URL, encoded any way, or parsed by a
 * framework) and the body (any JSON a parser makes), `verifyRequest` answers with the one token
 * presented or the documented refusal, never throws, and asks Amazon only about exactly one token
 * of the right form.
 */
import fc from 'fast-check';
import type { RequestLike } from '../../lib/request/extract';
import { useEmulator } from '../support/fixture';
import {
  candidate,
  encoded,
  encodingStyle,
  expectDocumented,
  fieldName,
  nameCase,
  runs,
  VALID,
  type Occurrence,
} from './settings';

const lwa = useEmulator();

/** What a body parser or a query parser may put in a field. */
const parsedValue = fc.oneof(
  { weight: 4, arbitrary: candidate },
  { weight: 1, arbitrary: fc.constantFrom(null, 0, 1, true, false, {}, { a: 'b' }, ['Atza|x']) },
  { weight: 1, arbitrary: fc.array(candidate, { minLength: 0, maxLength: 2 }) },
);
const authorization = fc.record({
  place: fc.constant('authorization' as const),
  value: candidate,
  name: nameCase('authorization'),
  scheme: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'beARer'),
  gap: fc.constantFrom(' ', '\t', '   '),
});
const amzHeader = fc.record({
  place: fc.constant('x-amz-access-token' as const),
  value: candidate,
  name: nameCase('x-amz-access-token'),
});
const inQuery = fc.record({
  place: fc.constant('query' as const),
  value: candidate,
  field: fieldName,
  style: encodingStyle,
});
/** Headers and query fields that are not a token: other schemes, near-miss names. */
const noiseHeader = fc.constantFrom<[string, string]>(
  ['Authorization', 'Basic dXNlcjpwYXNz'],
  ['Authorization', 'Bearerx Atza|glued'],
  ['x-amz-access-token-2', 'Atza|other'],
  ['X-Access-Token', 'Atza|other'],
  ['Cookie', 'access_token=Atza|x'],
);
const noiseQuery = fc.constantFrom(
  'access_tokens=1',
  'xaccess_token=2',
  'token=3',
  'a=b&c',
  '=access_token',
  'access_token_=4',
);
/** Bodies that hold no own `access_token`: unparsed, inherited, `__proto__`, arrays. */
const noiseBody = fc.constantFrom<unknown>(
  undefined,
  'access_token=Atza|x',
  Buffer.from('{"access_token":"Atza|x"}'),
  JSON.parse('{"__proto__":{"access_token":"Atza|x"}}'),
  Object.create({ access_token: 'Atza|x' }) as unknown,
  ['access_token'],
  { accessToken: 'Atza|x' },
);

const shape = fc.record({
  headers: fc.array(fc.oneof(authorization, amzHeader), { maxLength: 2 }),
  query: fc.array(inQuery, { maxLength: 2 }),
  queryParsed: fc.boolean(),
  body: fc.option(parsedValue, { nil: undefined }),
  noiseHeaders: fc.array(noiseHeader, { maxLength: 2 }),
  noiseQuery: fc.array(noiseQuery, { maxLength: 2 }),
  noiseBody,
  rawOn: fc.constantFrom('request' as const, 'raw' as const),
});
type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;

/** The request, and the occurrences it carries, from a shape; `valid` replaces the placeholder. */
function build(s: Shape, valid: string): { req: RequestLike; presented: Occurrence[] } {
  const real = (v: unknown): unknown => (v === VALID ? valid : Array.isArray(v) ? v.map(real) : v);
  const presented: Occurrence[] = [];
  const rawHeaders: string[] = ['Host', 'localhost'];
  for (const h of s.headers) {
    const value = real(h.value) as string;
    if (h.place === 'authorization') rawHeaders.push(h.name, `${h.scheme}${h.gap}${value}`);
    else rawHeaders.push(h.name, value);
    presented.push({ place: h.place, value });
  }
  for (const [name, value] of s.noiseHeaders) rawHeaders.push(name, value);
  const fields = s.query.map((q) => ({ ...q, value: real(q.value) as string }));
  const queryString = [...fields.map((q) => `${q.field}=${encoded(q.value, q.style)}`), ...s.noiseQuery].join('&');
  const req: RequestLike = { url: `/me${queryString ? `?${queryString}` : ''}`, headers: {} };
  if (s.queryParsed) {
    // As a framework's parser gives it: one field, a list when repeated, and the noise beside it.
    const values = fields.map((q) => q.value);
    const parsed = values.length === 1 ? values[0] : values;
    req.query = values.length === 0 ? { other: '1' } : { access_token: parsed };
    if (values.length > 0) presented.push({ place: 'query', value: parsed });
  } else {
    for (const q of fields) presented.push({ place: 'query', value: q.value });
  }
  if (s.body !== undefined) {
    req.body = { access_token: real(s.body), other: 'x' };
    presented.push({ place: 'body', value: real(s.body) });
  } else {
    req.body = s.noiseBody;
  }
  if (s.rawOn === 'request') req.rawHeaders = rawHeaders;
  else req.raw = { rawHeaders };
  return { req, presented };
}

test('any headers, query and body: the one token presented, or the documented refusal; Amazon asked only about one well-formed token', async () => {
  const verifier = lwa.verifier<RequestLike>({ cache: false });
  const valid = lwa.mint();
  await fc.assert(
    fc.asyncProperty(shape, async (s) => {
      const { req, presented } = build(s, valid);
      lwa.emu.resetCalls();
      expectDocumented(await verifier.verifyRequest(req), presented, valid, lwa.emu.calls.tokeninfo);
    }),
    runs(150),
  );
});
