import { PassportStrategy } from '@nestjs/passport';
import type { StrategyOptions } from '../../options';
import type { AmazonProfile } from '../../amazon/profile';
import { Strategy } from '../passport/strategy';
import type { VerifyResult } from '../passport/verify-callback';

/** The name the strategy registers under, and the one {@link AmazonTokenGuard} authenticates with. */
export const STRATEGY_NAME = 'amazon-token';

// @nestjs/passport's mixin: it registers the strategy with Passport under STRATEGY_NAME and makes
// `validate()` the verify function. Its declared type names an unexported class of theirs, so it is
// restated here: a Strategy built from options alone.
const NestAmazonStrategy = PassportStrategy(Strategy, STRATEGY_NAME) as abstract new (
  options: StrategyOptions<unknown>,
) => Strategy;

/**
 * The strategy as a NestJS provider. Extend it, mark the subclass `@Injectable()`, pass the options
 * to `super()`, and implement {@link AmazonTokenStrategy.validate}; register the subclass in a module
 * that imports `PassportModule`. Name each constructor dependency with `@Inject(...)`: without
 * `emitDecoratorMetadata` (esbuild, tsx, or tsc with it off) Nest has no other way to know it, and
 * would pass `undefined`.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class AmazonStrategy extends AmazonTokenStrategy<User> {
 *   constructor(@Inject(UsersService) private readonly users: UsersService) {
 *     super({ clientID: process.env.AMAZON_CLIENT_ID! });
 *   }
 *   validate(accessToken: string, profile: AmazonProfile) {
 *     return this.users.findOrLinkAmazon(profile.id, profile); // falsy: refused, 401
 *   }
 * }
 * ```
 */
export abstract class AmazonTokenStrategy<TUser = unknown, TRequest = unknown> extends NestAmazonStrategy {
  /** Builds the strategy from its options (those of `Strategy`), registered as `'amazon-token'`. */
  constructor(options: StrategyOptions<TRequest>) {
    super(options as StrategyOptions<unknown>);
  }

  /**
   * Maps the Amazon customer to your user, which becomes `req.user`. Return (or resolve to) a falsy
   * value to refuse the sign-in: a 401 `invalid_token`. What it throws is an error, not a refusal:
   * Nest answers it (an `HttpException` with its own status, anything else 500).
   */
  abstract validate(
    accessToken: string,
    profile: AmazonProfile,
  ): VerifyResult<TUser> | PromiseLike<VerifyResult<TUser>>;
}
