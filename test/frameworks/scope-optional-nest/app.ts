/**
 * The NestJS app of scope-optional-nest.test.ts, on `passport-lwa-token/nestjs`, run in a child
 * process under tsx (NestJS 12 is ESM-only; see nestjs-entry/app.ts for why this is CommonJS). The
 * platform, `express` or `fastify`, is the first argument; it prints `LISTENING <port>` once ready
 * and exits when its stdin closes; the emulator's URLs come from the environment.
 *
 * A route's `scope` and `optional` come from `getAuthenticateOptions()` of an `AmazonTokenGuard`
 * subclass, which @nestjs/passport hands to `passport.authenticate()`. Decorators are plain calls.
 */
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AmazonProfile } from '../../../lib';
import { AmazonTokenGuard, AmazonTokenStrategy } from '../../../lib/adapters/nestjs';

interface User {
  id: string;
  name?: string | undefined;
}

class AmazonStrategy extends AmazonTokenStrategy<User> {
  constructor() {
    super({
      clientID: 'amzn1.application-oa2-client.test',
      tokenInfoURL: process.env['LWA_TOKENINFO_URL'],
      profileURL: process.env['LWA_PROFILE_URL'],
    });
  }

  override validate(_accessToken: string, profile: AmazonProfile): User {
    return { id: profile.id, name: profile.displayName };
  }
}
Injectable()(AmazonStrategy);

/** The route needs the customer's postal code. */
class ShippingGuard extends AmazonTokenGuard {
  override getAuthenticateOptions() {
    return { scope: 'postal_code' };
  }
}
/** The route needs the customer's ID only: tokeninfo alone. */
class AccountGuard extends AmazonTokenGuard {
  override getAuthenticateOptions() {
    return { scope: 'profile:user_id' };
  }
}
/** Signed-in or not: no token lets the request through without a user. */
class OptionalGuard extends AmazonTokenGuard {
  override getAuthenticateOptions() {
    return { optional: true };
  }
}
for (const guard of [ShippingGuard, AccountGuard, OptionalGuard]) Injectable()(guard);

class RoutesController {
  shipping(req: { user?: User }): { user: User | null } {
    return { user: req.user ?? null };
  }

  account(req: { user?: User }): { user: User | null } {
    return { user: req.user ?? null };
  }

  feed(req: { user?: User }): { user: User | null } {
    return { user: req.user ?? null };
  }
}
Controller('api')(RoutesController);
for (const [method, guard] of [
  ['shipping', ShippingGuard],
  ['account', AccountGuard],
  ['feed', OptionalGuard],
] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(RoutesController.prototype, method)!;
  Req()(RoutesController.prototype, method, 0);
  Get(method)(RoutesController.prototype, method, descriptor);
  UseGuards(guard)(RoutesController.prototype, method, descriptor);
}

class AppModule {}
Module({ imports: [PassportModule], controllers: [RoutesController], providers: [AmazonStrategy] })(AppModule);

async function main(platform: string | undefined): Promise<void> {
  const app =
    platform === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  process.stdout.write(`LISTENING ${address.port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void app.close().then(() => process.exit(0));
  });
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
