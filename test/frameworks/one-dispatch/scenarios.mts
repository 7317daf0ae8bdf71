/**
 * The scenarios of one-dispatch.test.ts, run in a child process: what an app's Passport callback
 * throws must escape as the app's own bug (an uncaught exception or unhandled rejection, or the
 * framework's error handler where the framework catches it), the callback having been called
 * exactly once and never handed its own exception back as `err`. Jest keeps unhandled rejections
 * to itself, and NestJS 12 is ESM-only, so this runs under plain Node (tsx) and prints one JSON
 * report on stdout. It starts its own emulator.
 *
 * Decorators are applied as plain calls, as in ../nest/app.mts.
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, HttpException, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { Authenticator } from '@fastify/passport';
import express from 'express';
import Fastify from 'fastify';
import passport from 'passport';
import { Strategy, type AmazonProfile } from '../../../lib/index.js';
import { LwaEmulator } from '../../../lib/testing/index.js';

const CLIENT_ID = 'amzn1.application-oa2-client.test';
/** A token of the right form that the emulator never minted: refused by Amazon, so asynchronously. */
const UNKNOWN = `Atza|${'q'.repeat(400)}`;

/** What the app's callback threw: one object per throw, so a test can tell it from any other error. */
class AppBug extends Error {
  override name = 'AppBug';
}

/** One call of an app callback, as the report gives it. */
interface Call {
  /** The `err` it was given: null, the name of the error, or `'ITS OWN EXCEPTION'`. */
  err: string | null;
  user: boolean;
  status?: unknown;
}

/** What a scenario came to. */
interface Report {
  calls: Call[];
  /** Uncaught exceptions and unhandled rejections, by name. */
  escaped: string[];
  /** What the direct call threw synchronously, by name. */
  thrown?: string;
  /** The HTTP status answered, for the scenarios over HTTP. */
  status?: number;
  /** Calls of Passport's error(), for the scenarios that stub it. */
  errorCalls?: number;
}

// ---- escapes
const escapes: unknown[] = [];
const waiting: Array<() => void> = [];
const onEscape = (reason: unknown): void => {
  escapes.push(reason);
  for (const wake of waiting.splice(0)) wake();
};
process.on('unhandledRejection', onEscape);
process.on('uncaughtException', onEscape);

const nameOf = (value: unknown): string =>
  value instanceof Error ? value.name : value === undefined ? 'undefined' : typeof value;

/** The next escape, or `'none'` after 10 s (a broken build must not hang the test). */
async function nextEscape(): Promise<string> {
  if (escapes.length === 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => waiting.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000))),
    ]);
    clearTimeout(timer);
  }
  return escapes.length === 0 ? 'none' : nameOf(escapes.shift());
}

/** What else escaped by now: a turn of the event loop lets a second dispatch, if any, happen. */
async function rest(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return escapes.splice(0).map(nameOf);
}

/** Records each call of an app callback, then throws a fresh error (an AppBug unless told). */
function throwingRecorder(make: () => Error = () => new AppBug('the app callback failed')): {
  calls: Call[];
  record(err: unknown, user: unknown, status?: unknown): never;
} {
  const calls: Call[] = [];
  const thrown = new Set<unknown>();
  return {
    calls,
    record(err, user, status) {
      calls.push({
        err: err === null || err === undefined ? null : thrown.has(err) ? 'ITS OWN EXCEPTION' : nameOf(err),
        user: Boolean(user),
        ...(status === undefined ? {} : { status }),
      });
      const bug = make();
      thrown.add(bug);
      throw bug;
    },
  };
}

// ---- the emulator and the strategy
const emu = await LwaEmulator.start();
const strategyOptions = {
  clientID: CLIENT_ID,
  tokenInfoURL: emu.tokenInfoURL,
  profileURL: emu.profileURL,
  timeout: 2000,
  cache: false,
  circuitBreaker: false,
} as const;
const newStrategy = (): Strategy<{ id: string }> =>
  new Strategy<{ id: string }>(strategyOptions, async (_token, profile) => ({ id: profile.id }));
const mint = (): string => emu.mintToken({ clientID: CLIENT_ID });
const amazonDown = (): void => emu.fault('both', { kind: 'status', status: 500 });

/** A Node-ish request as Express hands it over, with the token (if any) in the Authorization header. */
const fakeReq = (token?: string): Record<string, unknown> => ({
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  rawHeaders: token === undefined ? [] : ['Authorization', `Bearer ${token}`],
  url: '/api/me',
  query: {},
  method: 'GET',
});
const fakeRes = (): Record<string, unknown> => ({
  headersSent: false,
  statusCode: 200,
  setHeader: () => undefined,
  end: () => undefined,
});

const report: Record<string, Report> = {};

/** What `passport.authenticate()` returns (typed `any` by @types/passport). */
type Middleware = (req: unknown, res: unknown, next: (err?: unknown) => void) => void;

/** One Express scenario: `passport.authenticate(name, callback)(req, res, next)`, called directly. */
async function expressCallback(name: string, token: string | undefined, setup?: () => void): Promise<void> {
  emu.clearFaults();
  setup?.();
  const pp = new passport.Passport();
  pp.use(newStrategy());
  const { calls, record } = throwingRecorder();
  const middleware = pp.authenticate(
    'amazon-token',
    { session: false },
    (err: unknown, user: unknown, _info: unknown, status: unknown) => record(err, user, status),
  ) as Middleware;
  let thrown: string | undefined;
  try {
    middleware(fakeReq(token), fakeRes(), () => undefined);
  } catch (err) {
    thrown = nameOf(err);
  }
  const escaped = thrown === undefined ? [await nextEscape()] : [];
  report[name] = { calls, escaped: [...escaped, ...(await rest())], ...(thrown ? { thrown } : {}) };
}

await expressCallback('express: no token (answered synchronously)', undefined);
await expressCallback('express: a valid token', mint());
await expressCallback('express: a token Amazon refuses', UNKNOWN);
await expressCallback('express: Amazon down', mint(), amazonDown);

// Passport's own success(), no callback: `next` throwing comes up through success(); it must not be
// turned into error(), which would call `next` a second time, with the app's exception.
{
  emu.clearFaults();
  const pp = new passport.Passport();
  pp.use(newStrategy());
  const { calls, record } = throwingRecorder();
  const middleware = pp.authenticate('amazon-token', { session: false }) as Middleware;
  middleware(fakeReq(mint()), fakeRes(), (err?: unknown) => record(err ?? null, true));
  report['express: success() throws (next throws)'] = { calls, escaped: [await nextEscape(), ...(await rest())] };
}

// The strategy's actions stubbed as Passport adds them: success() or fail() throwing never reaches error().
for (const [name, token] of [
  ['strategy: success() throws', mint()],
  ['strategy: fail() throws, asynchronously', UNKNOWN],
] as const) {
  emu.clearFaults();
  const { calls, record } = throwingRecorder();
  let errorCalls = 0;
  const attempt = Object.create(newStrategy()) as Strategy &
    Record<'success' | 'fail' | 'error', (...a: unknown[]) => void>;
  attempt.success = (user) => record(null, user);
  attempt.fail = (_challenge, status) => record(null, false, status);
  attempt.error = () => void (errorCalls += 1);
  attempt.authenticate(fakeReq(token) as never);
  report[name] = { calls, escaped: [await nextEscape(), ...(await rest())], errorCalls };
}

// A real Express 5 app, the callback throwing on a refusal answered synchronously: Express catches
// what a handler throws and hands it to the error handler, once.
{
  emu.clearFaults();
  const pp = new passport.Passport();
  pp.use(newStrategy());
  const { calls, record } = throwingRecorder();
  const app = express();
  app.get('/api/me', (req, res, next) => {
    const middleware = pp.authenticate(
      'amazon-token',
      { session: false },
      (err: unknown, user: unknown, _i: unknown, status: unknown) => record(err, user, status),
    ) as Middleware;
    middleware(req, res, next);
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err instanceof AppBug ? 500 : 599).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { status } = await get(server, undefined);
  server.close();
  report['express app: no token'] = { calls, escaped: await rest(), status };
}

// ---- Fastify 5 with @fastify/passport
/** GET /api/me on `server`; resolves with the status, or `0` once `abort` is called before an answer. */
function get(server: Server, token: string | undefined, abort?: Promise<unknown>): Promise<{ status: number }> {
  const { port } = server.address() as AddressInfo;
  const controller = new AbortController();
  void abort?.then(() => controller.abort());
  return new Promise((resolve) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/api/me',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', () => resolve({ status: 0 }));
    req.end();
  });
}

async function fastifyScenario(
  name: string,
  callbackKind: 'sync' | 'async',
  token: string | undefined,
  setup?: () => void,
): Promise<void> {
  emu.clearFaults();
  setup?.();
  const fp = new Authenticator();
  fp.use('amazon-token', newStrategy());
  const { calls, record } = throwingRecorder();
  const app = Fastify({ forceCloseConnections: true });
  app.decorateRequest('session', null);
  await app.register(fp.initialize());
  app.setErrorHandler((err, _request, reply) => reply.code(err instanceof AppBug ? 500 : 599).send());
  const callback =
    callbackKind === 'sync'
      ? (_rq: unknown, _rp: unknown, err: unknown, user?: unknown, _info?: unknown, status?: unknown) =>
          record(err, user, status)
      : async (_rq: unknown, _rp: unknown, err: unknown, user?: unknown, _info?: unknown, status?: unknown) =>
          record(err, user, status);
  app.get(
    '/api/me',
    { preValidation: fp.authenticate('amazon-token', { session: false }, callback) },
    async () => 'ran',
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  // A callback that throws synchronously from inside success() or error() leaves @fastify/passport's
  // promise unsettled: the request would wait forever, so it is abandoned once the throw escaped.
  const escaped = callbackKind === 'sync' ? nextEscape() : undefined;
  const { status } = await get(app.server, token, escaped);
  report[name] = {
    calls,
    escaped: [...(escaped ? [await escaped] : []), ...(await rest())],
    status,
  };
  await app.close();
}

await fastifyScenario('fastify, sync callback: a valid token', 'sync', mint());
await fastifyScenario('fastify, sync callback: Amazon down', 'sync', mint(), amazonDown);
await fastifyScenario('fastify, async callback: a valid token', 'async', mint());
await fastifyScenario('fastify, async callback: no token', 'async', undefined);
await fastifyScenario('fastify, async callback: a token Amazon refuses', 'async', UNKNOWN);
await fastifyScenario('fastify, async callback: Amazon down', 'async', mint(), amazonDown);

// ---- NestJS 12 (Express platform) with @nestjs/passport
// Nest answers an HttpException with its status: a teapot tells the guard's answer from any other.
const nest = throwingRecorder(() => new HttpException('the guard failed', 418));

class AmazonStrategy extends PassportStrategy(Strategy, 'amazon-token') {
  constructor() {
    super(strategyOptions);
  }

  validate(_accessToken: string, profile: AmazonProfile): { id: string } {
    return { id: profile.id };
  }
}
Injectable()(AmazonStrategy);

/** A guard whose handleRequest always throws. */
class ThrowingGuard extends AuthGuard('amazon-token') {
  override handleRequest<TUser>(
    err: unknown,
    user: TUser | false,
    _info: unknown,
    _context: unknown,
    status?: unknown,
  ): TUser {
    return nest.record(err, user, status);
  }
}

class MeController {
  me(): string {
    return 'ran';
  }
}
Controller('api')(MeController);
{
  const descriptor = Object.getOwnPropertyDescriptor(MeController.prototype, 'me')!;
  Get('me')(MeController.prototype, 'me', descriptor);
  UseGuards(ThrowingGuard)(MeController.prototype, 'me', descriptor);
}
class AppModule {}
Module({ imports: [PassportModule], controllers: [MeController], providers: [AmazonStrategy] })(AppModule);

const nestApp = await NestFactory.create(AppModule, { logger: false });
await nestApp.listen(0, '127.0.0.1');
const nestServer = nestApp.getHttpServer() as Server;
for (const [name, token, setup] of [
  ['nest: a valid token', mint(), undefined],
  ['nest: no token', undefined, undefined],
  ['nest: a token Amazon refuses', UNKNOWN, undefined],
  ['nest: Amazon down', mint(), amazonDown],
] as const) {
  emu.clearFaults();
  setup?.();
  nest.calls.length = 0;
  const { status } = await get(nestServer, token);
  report[name] = { calls: [...nest.calls], escaped: await rest(), status };
}
await nestApp.close();

await emu.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
// The sync Fastify scenarios left @fastify/passport promises that never settle: nothing else holds the process.
process.exit(0);
