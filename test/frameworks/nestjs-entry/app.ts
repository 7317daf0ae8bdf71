/**
 * The NestJS app of nestjs-entry.test.ts, built on `passport-lwa-token/nestjs`, run in a child
 * process under tsx; the platform, `express` or `fastify`, is the first argument. It prints
 * `LISTENING <port>` once ready and exits when its stdin closes; the emulator's URLs come from the
 * environment.
 *
 * A CommonJS module, like lib/adapters/nestjs: tsx loads NestJS 12 (ESM-only) for a `require` as a copy of
 * its own, so the app must reach Nest the same way the library does, or Nest would not recognise
 * the library's `HttpException`. Plain Node's `require(esm)` shares one copy; the consumer smoke
 * test (test/package/smoke.mjs) runs the built package that way, from CommonJS and ESM.
 *
 * Decorators are applied as plain calls: the test suite's tsconfig does not enable
 * `experimentalDecorators`, and Nest needs the legacy form. A real app writes `@Injectable()` etc.
 */
import 'reflect-metadata';
import { Controller, ForbiddenException, Get, Injectable, Module, Post, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AmazonAuthInfo, AmazonProfile } from '../../../lib';
import { AmazonTokenGuard, AmazonTokenStrategy } from '../../../lib/adapters/nestjs';

interface User {
  id: string;
  name?: string | undefined;
}

/** A stand-in for the app's user store, injected into the strategy as a real app's would be. */
class UsersService {
  /** Customers this app refuses (validate() returns false) or forbids (it throws). */
  readonly blocked = new Set(['amzn1.account.BLOCKED']);
  readonly forbidden = new Set(['amzn1.account.FORBIDDEN']);
}
Injectable()(UsersService);

class AmazonStrategy extends AmazonTokenStrategy<User> {
  constructor(private readonly users: UsersService) {
    super({
      clientID: 'amzn1.application-oa2-client.test',
      tokenInfoURL: process.env['LWA_TOKENINFO_URL'],
      profileURL: process.env['LWA_PROFILE_URL'],
      cache: false,
    });
  }

  override validate(_accessToken: string, profile: AmazonProfile): User | false {
    if (this.users.forbidden.has(profile.id)) throw new ForbiddenException('Not here');
    if (this.users.blocked.has(profile.id)) return false;
    return { id: profile.id, name: profile.displayName };
  }
}
Injectable()(AmazonStrategy);
Reflect.defineMetadata('design:paramtypes', [UsersService], AmazonStrategy);

interface AuthenticatedRequest {
  user: User;
  authInfo: AmazonAuthInfo;
}

class MeController {
  me(req: AuthenticatedRequest): { user: User; expiresIn: number } {
    return { user: req.user, expiresIn: req.authInfo.tokenInfo.expiresIn };
  }

  /** The token in a body: a POST. */
  post(req: AuthenticatedRequest): { user: User; expiresIn: number } {
    return this.me(req);
  }
}
Controller('api')(MeController);
for (const [method, route] of [
  ['me', Get('me')],
  ['post', Post('me')],
] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(MeController.prototype, method)!;
  Req()(MeController.prototype, method, 0);
  route(MeController.prototype, method, descriptor);
  UseGuards(AmazonTokenGuard)(MeController.prototype, method, descriptor);
}

/** docs/recipes.md, "Signing out": the request as the platform gives it (Express's or Fastify's). */
class SignOutController {
  constructor(private readonly strategy: AmazonStrategy) {}

  async signOut(req: { readonly headers: object }): Promise<{ revoked: boolean }> {
    return { revoked: (await this.strategy.verifier.revokeRequest(req)).revoked };
  }
}
Controller('api')(SignOutController);
Reflect.defineMetadata('design:paramtypes', [AmazonStrategy], SignOutController);
{
  const descriptor = Object.getOwnPropertyDescriptor(SignOutController.prototype, 'signOut')!;
  Req()(SignOutController.prototype, 'signOut', 0);
  Post('sign-out')(SignOutController.prototype, 'signOut', descriptor);
  UseGuards(AmazonTokenGuard)(SignOutController.prototype, 'signOut', descriptor);
}

class AppModule {}
Module({
  imports: [PassportModule],
  controllers: [MeController, SignOutController],
  providers: [UsersService, AmazonStrategy],
})(AppModule);

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
