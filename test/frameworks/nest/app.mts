/**
 * The NestJS app of nest.test.ts, run in a child process: NestJS 12 is ESM-only, and Jest can
 * `require` ESM only from Node 24.9. It prints `LISTENING <port>` once ready and exits when its
 * stdin closes. The emulator's URLs come from the environment.
 *
 * Decorators are applied as plain calls: the test suite's tsconfig does not enable
 * `experimentalDecorators`, and Nest needs the legacy form. A real app writes `@Injectable()` etc.
 */
import 'reflect-metadata';
import {
  Controller,
  Get,
  HttpException,
  Injectable,
  Module,
  Req,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Strategy, type AmazonProfile } from '../../../lib/index.js';

interface User {
  id: string;
  name?: string | undefined;
}

/** The strategy, as Nest wires it: `validate()` is the verify function. */
class AmazonStrategy extends PassportStrategy(Strategy, 'amazon-token') {
  constructor() {
    super({
      clientID: 'amzn1.application-oa2-client.test',
      tokenInfoURL: process.env['LWA_TOKENINFO_URL'],
      profileURL: process.env['LWA_PROFILE_URL'],
      cache: false,
    });
  }

  validate(_accessToken: string, profile: AmazonProfile): User {
    return { id: profile.id, name: profile.displayName };
  }
}
Injectable()(AmazonStrategy);

/**
 * Nest's default AuthGuard answers every refusal with a bare 401: no WWW-Authenticate, and 400 and
 * 403 lost. This one keeps the strategy's status and challenge. Errors pass through: an LwaError
 * has http-errors' shape (`statusCode`, `expose: false`), so Nest's exception filter answers it
 * with its 502, 503 or 504.
 */
class AmazonAuthGuard extends AuthGuard('amazon-token') {
  override handleRequest<TUser>(
    err: Error | null,
    user: TUser | false,
    challenge: unknown,
    context: ExecutionContext,
    status?: unknown,
  ): TUser {
    if (err) throw err;
    if (!user) {
      const code = typeof status === 'number' ? status : 401;
      if (typeof challenge === 'string') {
        context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', challenge);
      }
      throw new HttpException({ statusCode: code, message: STATUS_CODES[code] }, code);
    }
    return user;
  }
}

/** The same route behind Nest's default guard, to show what it loses. */
class DefaultAuthGuard extends AuthGuard('amazon-token') {}

class MeController {
  me(req: Request): { user: unknown } {
    return { user: req.user };
  }

  plain(req: Request): { user: unknown } {
    return { user: req.user };
  }
}
Controller('api')(MeController);
for (const [method, path, guard] of [
  ['me', 'me', AmazonAuthGuard],
  ['plain', 'plain/me', DefaultAuthGuard],
] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(MeController.prototype, method)!;
  Req()(MeController.prototype, method, 0);
  Get(path)(MeController.prototype, method, descriptor);
  UseGuards(guard)(MeController.prototype, method, descriptor);
}

class AppModule {}
Module({ imports: [PassportModule], controllers: [MeController], providers: [AmazonStrategy] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const address = (app.getHttpServer() as Server).address() as AddressInfo;
process.stdout.write(`LISTENING ${address.port}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void app.close().then(() => process.exit(0));
});
