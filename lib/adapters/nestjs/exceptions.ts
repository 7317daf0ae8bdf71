import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { type LwaError, LwaUnavailableError } from '../../errors';
import type { AmazonTokenErrorBody } from './error-body';

/** A refusal (400, 401 or 403) as the exception Nest answers with. */
export function refusalException(status: number): HttpException {
  const body: AmazonTokenErrorBody = { statusCode: status, message: STATUS_CODES[status] ?? 'Unauthorized' };
  return new HttpException(body, status);
}

/**
 * An Amazon failure as the exception Nest answers with: the `LwaError`'s 502, 503 or 504 and its
 * `code`; the error itself is the `cause`, for logging. The message stays out of the body.
 */
export function lwaErrorException(err: LwaError): HttpException {
  const body: AmazonTokenErrorBody = {
    statusCode: err.status,
    message: STATUS_CODES[err.status] ?? '',
    code: err.code,
  };
  return new HttpException(body, err.status, { cause: err });
}

/** Seconds to send as `Retry-After`: only on a 503 from Amazon's rate limit, when Amazon said. */
export function retryAfterOf(err: LwaError): number | undefined {
  return err instanceof LwaUnavailableError ? err.retryAfterSeconds : undefined;
}
