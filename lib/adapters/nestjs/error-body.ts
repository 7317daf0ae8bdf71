import type { LwaErrorCode } from '../../errors';

/**
 * What Nest sends for a refusal or an Amazon failure behind {@link AmazonTokenGuard}: Nest's own
 * body shape (`statusCode`, `message`), plus the `LwaError`'s `code` for an Amazon failure.
 * @example
 * ```ts
 * // 502: { "statusCode": 502, "message": "Bad Gateway", "code": "ERR_LWA_UPSTREAM_STATUS" }
 * const body: AmazonTokenErrorBody = { statusCode: 401, message: 'Unauthorized' };
 * ```
 */
export interface AmazonTokenErrorBody {
  /** The HTTP status, as Nest's own error bodies give it. */
  readonly statusCode: number;
  /** The status's standard text (`'Unauthorized'`, `'Bad Gateway'`). */
  readonly message: string;
  /** The `LwaError`'s code; absent on a refusal, whose reason is in `WWW-Authenticate`. */
  readonly code?: LwaErrorCode;
}
