/**
 * One dispatch: the strategy tells Passport how an authentication ended exactly once, outside any
 * catch. So an app's Passport callback that throws is called once, is never handed its own exception
 * back as `err`, and its exception goes on up as the app's bug: out of the call when the answer was
 * synchronous, an unhandled rejection when it came later, or the framework's error handler where
 * the framework catches it (Express 5 for a handler, @fastify/passport for an async callback,
 * @nestjs/passport for `handleRequest`). Passport's own success() throwing (`next` did) is never
 * turned into error() either.
 *
 * The scenarios run in a child process (one-dispatch/scenarios.mts): Jest turns an unhandled
 * rejection into a failure of its own, and NestJS 12 is ESM-only.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

interface Call {
  err: string | null;
  user: boolean;
  status?: unknown;
}
interface Report {
  calls: Call[];
  escaped: string[];
  thrown?: string;
  status?: number;
  errorCalls?: number;
}

const root = join(__dirname, '..', '..');
let reports: Record<string, Report>;
beforeAll(async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'one-dispatch', 'scenarios.mts')],
    { cwd: root, timeout: 90_000, maxBuffer: 1 << 20 },
  );
  reports = JSON.parse(stdout) as Record<string, Report>;
}, 120_000);

const valid: Call = { err: null, user: true };
const refused: Call = { err: null, user: false, status: 401 };
const outage: Call = { err: 'LwaUpstreamError', user: false };

/** Called once, with what the strategy decided: never with the exception the callback itself threw. */
function expectOneCall(name: string, call: Call): Report {
  const report = reports[name];
  expect(report).toBeDefined();
  expect(report.calls).toEqual([call]);
  return report;
}

describe('Express: passport.authenticate(name, callback)(req, res, next)', () => {
  test('no token (answered synchronously): the callback runs once; its exception comes out of the call', () => {
    const report = expectOneCall('express: no token (answered synchronously)', refused);
    expect(report.thrown).toBe('AppBug');
    expect(report.escaped).toEqual([]);
  });

  test.each([
    ['a valid token', valid],
    ['a token Amazon refuses', refused],
    ['Amazon down', outage],
  ])('%s: the callback runs once; its exception is an unhandled rejection', (name, call) => {
    const report = expectOneCall(`express: ${name}`, call);
    expect(report.thrown).toBeUndefined();
    expect(report.escaped).toEqual(['AppBug']);
  });

  test("in an Express 5 app: Express's error handler gets the exception, once (500)", () => {
    const report = expectOneCall('express app: no token', refused);
    expect([report.status, report.escaped]).toEqual([500, []]);
  });
});

describe("Passport's actions throwing are never turned into error()", () => {
  test('success() throws because `next` did: `next` is not called again with the exception', () => {
    const report = expectOneCall('express: success() throws (next throws)', valid);
    expect(report.escaped).toEqual(['AppBug']);
  });

  test.each([
    ['strategy: success() throws', valid],
    ['strategy: fail() throws, asynchronously', refused],
  ])('%s: error() is never called; the exception escapes', (name, call) => {
    const report = expectOneCall(name, call);
    expect([report.errorCalls, report.escaped]).toEqual([0, ['AppBug']]);
  });
});

describe('Fastify: @fastify/passport with a callback', () => {
  test.each([
    ['a valid token', valid],
    ['Amazon down', outage],
  ])('a callback that throws synchronously, %s: called once; the exception is an unhandled rejection', (name, call) => {
    const report = expectOneCall(`fastify, sync callback: ${name}`, call);
    expect(report.escaped).toEqual(['AppBug']);
  });

  test.each([
    ['a valid token', valid],
    ['no token', refused],
    ['a token Amazon refuses', refused],
    ['Amazon down', outage],
  ])("an async callback that throws, %s: called once; Fastify's error handler answers 500", (name, call) => {
    const report = expectOneCall(`fastify, async callback: ${name}`, call);
    expect([report.status, report.escaped]).toEqual([500, []]);
  });
});

describe('NestJS: a guard whose handleRequest throws (an HttpException 418)', () => {
  test.each([
    ['a valid token', valid],
    ['no token', refused],
    ['a token Amazon refuses', refused],
    ['Amazon down', outage],
  ])("%s: handleRequest runs once; Nest answers the guard's 418", (name, call) => {
    const report = expectOneCall(`nest: ${name}`, call);
    expect([report.status, report.escaped]).toEqual([418, []]);
  });
});
