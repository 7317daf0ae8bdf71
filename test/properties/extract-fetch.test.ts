/**
 * Token extraction from a Fetch API `Request` (Bun, Deno, Hono; docs/doors.md), as a property:
 * headers appended once or repeated (Fetch joins them with ", "), any case, with other schemes
 * beside; the query encoded any way; a body that is never read. `verifyRequest` answers with the one
 * token presented or the documented refusal, never throws, and asks Amazon only about exactly one
 * token of the right form.
 */
import fc from 'fast-check';
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

const bearer = fc.record({
  value: candidate,
  scheme: fc.constantFrom('Bearer', 'bearer', 'BEARER'),
  gap: fc.constantFrom(' ', '\t', '  '),
});
const shape = fc.record({
  bearers: fc.array(bearer, { maxLength: 2 }),
  // Several Authorization values in one header line, as a proxy folds them, or appended one by one.
  folded: fc.boolean(),
  otherSchemes: fc.array(fc.constantFrom('Basic dXNlcjpwYXNz', 'Digest x', 'Bearerx Atza|glued', 'Token abc'), {
    maxLength: 2,
  }),
  amz: fc.array(fc.record({ value: candidate, name: nameCase('x-amz-access-token') }), { maxLength: 2 }),
  query: fc.array(fc.record({ value: candidate, field: fieldName, style: encodingStyle }), { maxLength: 2 }),
  noiseQuery: fc.array(fc.constantFrom('access_tokens=1', 'xaccess_token=2', 'a=b&c', '=access_token'), {
    maxLength: 2,
  }),
  // A body is the app's stream: a token in it is never read from a Fetch Request.
  body: fc.option(candidate, { nil: undefined }),
});

test('any headers and query: the one token presented, or the documented refusal; the body is never read', async () => {
  const verifier = lwa.verifier<Request>({ cache: false });
  const valid = lwa.mint();
  const real = (v: string) => (v === VALID ? valid : v);
  await fc.assert(
    fc.asyncProperty(shape, async (s) => {
      const presented: Occurrence[] = [];
      const headers = new Headers();
      const authorization = [
        ...s.otherSchemes,
        ...s.bearers.map((b) => {
          presented.push({ place: 'authorization', value: real(b.value) });
          return `${b.scheme}${b.gap}${real(b.value)}`;
        }),
      ];
      if (s.folded && authorization.length > 0) headers.append('Authorization', authorization.join(', '));
      else for (const value of authorization) headers.append('authorization', value);
      for (const a of s.amz) {
        headers.append(a.name, real(a.value));
        presented.push({ place: 'x-amz-access-token', value: real(a.value) });
      }
      const fields = s.query.map((q) => {
        presented.push({ place: 'query', value: real(q.value) });
        return `${q.field}=${encoded(real(q.value), q.style)}`;
      });
      const search = [...fields, ...s.noiseQuery].join('&');
      const init: RequestInit = { headers };
      if (s.body !== undefined) {
        headers.set('content-type', 'application/x-www-form-urlencoded');
        Object.assign(init, { method: 'POST', body: `access_token=${encodeURIComponent(real(s.body))}` });
      }
      const req = new Request(`http://localhost/me${search ? `?${search}` : ''}`, init);
      lwa.emu.resetCalls();
      expectDocumented(await verifier.verifyRequest(req), presented, valid, lwa.emu.calls.tokeninfo);
      expect(req.bodyUsed).toBe(false);
    }),
    runs(150),
  );
});
