import { Injectable } from '@nestjs/common';
// Types from NestJS 12, an ES module, named so in the declarations: a CommonJS `import` of it
// would not type-check in a project compiled with `module: node16`.
import type { ExecutionContext } from '@nestjs/common' with { 'resolution-mode': 'import' };
import { AuthGuard } from '@nestjs/passport';
import { LwaError } from '../../errors';
import { STRATEGY_NAME } from './amazon-token-strategy';
import { lwaErrorException, refusalException, retryAfterOf } from './exceptions';
import { setResponseHeader } from './response-header';

/**
 * Guards a route with the `'amazon-token'` strategy and answers the way the strategy asks. Nest's
 * default `AuthGuard` turns every refusal into a bare 401; this one keeps the strategy's status
 * (400, 401 or 403) and its `WWW-Authenticate` challenge (RFC 6750 §3), and turns an `LwaError`
 * into an `HttpException` with its 502, 503 or 504 and its `code` (503 with `Retry-After` when
 * Amazon said). Other errors, a `validate()` that throws say, pass through unchanged. Works on the
 * Express and the Fastify platform.
 *
 * @example
 * ```ts
 * @Controller('api')
 * export class MeController {
 *   @Get('me')
 *   @UseGuards(AmazonTokenGuard)
 *   me(@Req() req: { user: User }) {
 *     return req.user;
 *   }
 * }
 *
 * // A route's `scope` or `optional` (what `passport.authenticate()` would take): a subclass.
 * @Injectable()
 * export class ShippingGuard extends AmazonTokenGuard {
 *   override getAuthenticateOptions() {
 *     return { scope: 'postal_code' }; // a token whose profile has no postal code: 403
 *   }
 * }
 * ```
 */
export class AmazonTokenGuard extends AuthGuard(STRATEGY_NAME) {
  /**
   * Called by Nest's `AuthGuard` with Passport's answer: returns the user, or throws the refusal
   * (with its status and challenge) or the error as an `HttpException`.
   */
  override handleRequest<TUser = unknown>(
    err: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
    status?: unknown,
  ): TUser {
    if (err instanceof LwaError) {
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== undefined) setResponseHeader(response(context), 'Retry-After', String(retryAfter));
      throw lwaErrorException(err);
    }
    // Anything else (what `validate()` threw, say) goes to Nest's exception filter unchanged.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (err) throw err;
    if (!user) {
      // On a refusal Passport hands over the strategy's challenge as `info` and its status.
      if (typeof info === 'string') setResponseHeader(response(context), 'WWW-Authenticate', info);
      throw refusalException(typeof status === 'number' ? status : 401);
    }
    return user as TUser;
  }
}
// Applied as a call so the package needs no decorator support in its compiler settings.
Injectable()(AmazonTokenGuard);

function response(context: ExecutionContext): unknown {
  return context.switchToHttp().getResponse<unknown>();
}
