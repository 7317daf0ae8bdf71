/**
 * `@fastify/passport` declares its own `AuthenticateOptions`, without the `optional` this strategy
 * reads per route: added here, so that `passport.authenticate('amazon-token', { session: false,
 * optional: true }, amazonTokenCallback)` type-checks inline. The interface lives in that module
 * (the package has no `exports` map); in a declaration file an augmentation of a module that is
 * not installed is ignored.
 */
// Brings the module into this build's program (an augmentation alone does not); not in the output.
import type {} from '@fastify/passport/dist/authentication-route';

declare module '@fastify/passport/dist/authentication-route' {
  interface AuthenticateOptions {
    /** `passport-lwa-token`: a request with no token at all goes through without `request.user`. */
    optional?: boolean | undefined;
  }
}

export {};
