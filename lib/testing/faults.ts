import { STATUS_CODES, validateHeaderValue } from 'node:http';
import { AMAZON_JSON_TYPE, ERROR_CACHE_HEADERS } from './constants';

/**
 * One of the two Login with Amazon endpoints the emulator serves.
 * @example
 * ```ts
 * const endpoint: Endpoint = 'profile';
 * emu.fault(endpoint, { kind: 'status', status: 500 });
 * ```
 */
export type Endpoint = 'tokeninfo' | 'profile';

/**
 * Where {@link LwaEmulator.fault} installs a fault: one endpoint, or each of the two.
 * @example
 * ```ts
 * emu.fault('both', { kind: 'hang' }); // neither endpoint answers: the strategy's timeout gives a 504
 * ```
 */
export type FaultTarget = Endpoint | 'both';

/**
 * A way for an answer to go wrong. Faults apply to requests on the two endpoints only, after the
 * request has been recorded and counted and after the emulator's fixed latency, and only to one
 * whose client is still connected then (an abandoned call takes no fault). The `kind` of each
 * says what happens; its other fields are described where they appear.
 * @example
 * ```ts
 * emu.fault('tokeninfo', { kind: 'rate-limit', retryAfter: 2 });
 * emu.fault('profile', { kind: 'oversized', bytes: 1 << 20 }, { times: 1 });
 * ```
 */
export type Fault =
  | {
      /** Answer normally, `ms` milliseconds later than usual. */
      kind: 'latency';
      /** The added delay, in milliseconds. */
      ms: number;
    }
  | {
      /** Answer with `status`. */
      kind: 'status';
      /** 200..599. */
      status: number;
      /** Default: Amazon's `ServerError` JSON for 5xx, `{"error":"http_<status>"}` otherwise. */
      body?: string;
      /** Default `application/json;charset=UTF-8`. */
      contentType?: string;
    }
  | {
      /** Answer 429, with a made-up body (`{"error":"TooManyRequests",…}`: Amazon documents none). */
      kind: 'rate-limit';
      /** Sent as `Retry-After` when given: seconds, or an HTTP date. */
      retryAfter?: number | string;
    }
  | {
      /** Answer 200 `application/json` whose body is the normal answer cut in half. */
      kind: 'malformed-json';
    }
  | {
      /** Answer an HTML error page, `text/html`. */
      kind: 'html';
      /** Default 502. */
      status?: number;
    }
  | {
      /** Answer 200 with the normal JSON body but another `Content-Type`. */
      kind: 'content-type';
      /** The `Content-Type` sent. */
      contentType: string;
    }
  | {
      /** Answer 200 `application/json`, a valid JSON object streamed chunked without `Content-Length`. */
      kind: 'oversized';
      /** Its size (more if the normal answer does not fit). */
      bytes: number;
    }
  | {
      /** Reset the connection (TCP RST) before any response. */
      kind: 'reset';
    }
  | {
      /** Send the headers (with the full `Content-Length`) and half the body, then close. */
      kind: 'reset-mid-body';
    }
  | {
      /** Never answer; the socket goes when the client gives up or at {@link LwaEmulator.close}. */
      kind: 'hang';
    }
  | {
      /** Send the headers (with the full `Content-Length`) at once, then the body one byte at a time. */
      kind: 'trickle';
      /** With it, that status and its default error body (a 503 that never seems to end, say). */
      status?: number;
      /** Milliseconds between bytes. Default 400. */
      intervalMs?: number;
    };

/**
 * How long a fault stays installed.
 * @example
 * ```ts
 * emu.fault('profile', { kind: 'status', status: 503 }, { times: 1 }); // only the next profile call fails
 * ```
 */
export interface FaultOptions {
  /**
   * Number of answers (per endpoint) the fault applies to: each taken when the answer is due (after
   * the fixed latency) by a request whose client still waits. Default: until {@link LwaEmulator.clearFaults}.
   */
  times?: number;
}

/** An answer before it is written: the emulator adds `x-amzn-RequestId` and `Content-Length`. */
export interface Reply {
  /** HTTP status. */
  readonly status: number;
  /** `Content-Type` value. */
  readonly contentType: string;
  /** The whole body. */
  readonly body: string;
  /** Any further headers (`Allow`, `Retry-After`, `Content-Language`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the server does with a request once the fault (if any) is applied. */
export type Delivery =
  /** Write `reply` as is. */
  | { readonly action: 'reply'; readonly reply: Reply }
  /** Declare `reply`'s full length but write only its first `sendBytes` bytes, then close. */
  | { readonly action: 'truncate'; readonly reply: Reply; readonly sendBytes: number }
  /** Declare `reply`'s full length, then write it one byte every `intervalMs`. */
  | { readonly action: 'trickle'; readonly reply: Reply; readonly intervalMs: number }
  /** Write `prefix`, then `padding` bytes of filler, then `suffix`, chunked and with back-pressure. */
  | {
      readonly action: 'stream';
      readonly status: number;
      readonly contentType: string;
      readonly prefix: string;
      readonly padding: number;
      readonly suffix: string;
    }
  | { readonly action: 'reset' }
  | { readonly action: 'hang' };

/** How often a `trickle` fault sends its next byte, unless told. */
const DEFAULT_TRICKLE_INTERVAL_MS = 400;

/**
 * Checks a fault given at run time (possibly from plain JavaScript) and returns a frozen copy, so a
 * bad fault fails at the call that installs it rather than inside a request handler.
 */
export function checkFault(fault: Fault): Fault {
  if (typeof fault !== 'object' || fault === null) throw new TypeError('fault: expected an object with a `kind`');
  switch (fault.kind) {
    case 'latency':
      nonNegative('ms', fault.ms);
      break;
    case 'status':
      status('status', fault.status);
      if (fault.body !== undefined && typeof fault.body !== 'string')
        throw new TypeError('fault: body must be a string');
      if (fault.contentType !== undefined) headerValue('contentType', 'content-type', fault.contentType);
      break;
    case 'rate-limit':
      if (typeof fault.retryAfter === 'number') nonNegative('retryAfter', fault.retryAfter);
      else if (fault.retryAfter !== undefined) headerValue('retryAfter', 'retry-after', fault.retryAfter);
      break;
    case 'html':
      if (fault.status !== undefined) status('status', fault.status);
      break;
    case 'content-type':
      headerValue('contentType', 'content-type', fault.contentType);
      break;
    case 'oversized':
      if (!Number.isSafeInteger(fault.bytes) || fault.bytes < 0)
        throw new TypeError('fault: bytes must be a non-negative integer');
      break;
    case 'trickle':
      if (fault.status !== undefined) status('status', fault.status);
      if (fault.intervalMs !== undefined) nonNegative('intervalMs', fault.intervalMs);
      break;
    case 'malformed-json':
    case 'reset':
    case 'reset-mid-body':
    case 'hang':
      break;
    default:
      throw new TypeError(`fault: unknown kind ${JSON.stringify((fault as { kind: unknown }).kind)}`);
  }
  return Object.freeze({ ...fault });
}

/** Extra delay the fault adds to its answer. */
export function faultDelay(fault: Fault | undefined): number {
  return fault?.kind === 'latency' ? fault.ms : 0;
}

/** Turns the answer the endpoint would have given into what the fault makes of it. */
export function deliveryFor(fault: Fault | undefined, normal: Reply): Delivery {
  if (fault === undefined) return { action: 'reply', reply: normal };
  switch (fault.kind) {
    case 'latency':
      return { action: 'reply', reply: normal };
    case 'status':
      return {
        action: 'reply',
        reply: {
          status: fault.status,
          contentType: fault.contentType ?? AMAZON_JSON_TYPE,
          body: fault.body ?? defaultErrorBody(fault.status),
          ...(fault.status >= 400 ? { headers: ERROR_CACHE_HEADERS } : {}),
        },
      };
    case 'rate-limit':
      return {
        action: 'reply',
        reply: {
          status: 429,
          contentType: AMAZON_JSON_TYPE,
          // Made up: Amazon documents no 429 body for these endpoints, and none of the sources the
          // emulator follows (docs/design.md, Amazon's API) shows one. Only the status counts.
          body: JSON.stringify({ error: 'TooManyRequests', error_description: 'Rate exceeded.' }),
          headers: {
            ...ERROR_CACHE_HEADERS,
            ...(fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) }),
          },
        },
      };
    case 'malformed-json':
      // A proper prefix of a JSON object is never valid JSON: its closing brace is missing.
      return {
        action: 'reply',
        reply: {
          status: 200,
          contentType: 'application/json',
          body: normal.body.slice(0, Math.ceil(normal.body.length / 2)),
        },
      };
    case 'html': {
      const status = fault.status ?? 502;
      return { action: 'reply', reply: { status, contentType: 'text/html; charset=utf-8', body: htmlPage(status) } };
    }
    case 'content-type':
      return { action: 'reply', reply: { status: 200, contentType: fault.contentType, body: normal.body } };
    case 'oversized': {
      // Padding goes first so a reader without a size cap still gets the real fields, parsed.
      const prefix = '{"padding":"';
      const suffix = normal.body.startsWith('{') && normal.body !== '{}' ? `",${normal.body.slice(1)}` : '"}';
      const padding = Math.max(0, fault.bytes - Buffer.byteLength(prefix) - Buffer.byteLength(suffix));
      return { action: 'stream', status: 200, contentType: 'application/json', prefix, padding, suffix };
    }
    case 'reset-mid-body':
      return {
        action: 'truncate',
        reply: normal,
        sendBytes: Math.max(1, Math.floor(Buffer.byteLength(normal.body) / 2)),
      };
    case 'reset':
      return { action: 'reset' };
    case 'hang':
      return { action: 'hang' };
    case 'trickle': {
      const reply =
        fault.status === undefined
          ? normal
          : {
              status: fault.status,
              contentType: AMAZON_JSON_TYPE,
              body: defaultErrorBody(fault.status),
              ...(fault.status >= 400 ? { headers: ERROR_CACHE_HEADERS } : {}),
            };
      return { action: 'trickle', reply, intervalMs: fault.intervalMs ?? DEFAULT_TRICKLE_INTERVAL_MS };
    }
  }
}

interface Rule {
  readonly endpoint: Endpoint;
  readonly fault: Fault;
  remaining: number;
}

/** Installed faults, applied first-installed first, each for its number of answers. */
export class FaultSchedule {
  private rules: Rule[] = [];

  /** Installs `fault` on the target endpoint(s); `'both'` gives each endpoint its own count. */
  add(target: FaultTarget, fault: Fault, options: FaultOptions = {}): void {
    const endpoints: readonly Endpoint[] =
      target === 'both' ? ['tokeninfo', 'profile'] : target === 'tokeninfo' || target === 'profile' ? [target] : [];
    if (endpoints.length === 0) throw new TypeError(`fault: endpoint must be 'tokeninfo', 'profile' or 'both'`);
    const checked = checkFault(fault);
    const times = options.times ?? Infinity;
    if (times !== Infinity && (!Number.isSafeInteger(times) || times < 1))
      throw new TypeError('fault: times must be a positive integer');
    for (const endpoint of endpoints) this.rules.push({ endpoint, fault: checked, remaining: times });
  }

  /** The fault for the next answer on `endpoint`, using up one of its `times`. */
  take(endpoint: Endpoint): Fault | undefined {
    const index = this.rules.findIndex((r) => r.endpoint === endpoint);
    if (index === -1) return undefined;
    const rule = this.rules[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    return rule.fault;
  }

  /** Removes every installed fault. */
  clear(): void {
    this.rules = [];
  }
}

function defaultErrorBody(status: number): string {
  if (status >= 500)
    return JSON.stringify({ error: 'ServerError', error_description: 'The server encountered a runtime error.' });
  return JSON.stringify({ error: `http_${status}`, error_description: STATUS_CODES[status] ?? 'Error' });
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><hr><p>Server</p></body></html>\n`;
}

function nonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new TypeError(`fault: ${name} must be a finite number >= 0`);
}

function status(name: string, value: unknown): void {
  // Node throws on statuses outside 100..999 and 1xx would not end the exchange.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 599) {
    throw new TypeError(`fault: ${name} must be an integer from 200 to 599`);
  }
}

function headerValue(name: string, header: string, value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`fault: ${name} must be a string`);
  try {
    validateHeaderValue(header, value);
  } catch {
    throw new TypeError(`fault: ${name} is not a valid HTTP header value`);
  }
}
