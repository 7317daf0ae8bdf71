import type { LwaErrorCode } from '../../lib';
import type { Endpoint, Fault } from '../../lib/testing';

/**
 * Every way Amazon can fail (docs/design.md, Failure behaviour), with the outcome README's
 * Hardening section documents for it. One list, shared by the fault matrix and the no-leak test,
 * so neither can drift from the other.
 */
export interface FaultScenario {
  readonly name: string;
  /** An emulator fault, or `'dns'`: the endpoint's URL is a host under `.invalid` (RFC 6761). */
  readonly fault: Fault | 'dns';
  /** What the client of the app gets. */
  readonly status: 502 | 503 | 504;
  readonly code: LwaErrorCode;
  /** Calls the faulted endpoint receives with the library's one retry (2 when retried). */
  readonly attempts: 1 | 2;
  /** Needs the short-timeout app: the case ends by the deadline. */
  readonly slow?: true;
}

/** `timeout` of the app that runs the slow cases; the others run with the test helper's 2000 ms. */
export const SHORT_TIMEOUT_MS = 300;

export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  {
    name: 'latency over the timeout',
    fault: { kind: 'latency', ms: 5000 },
    status: 504,
    code: 'ERR_LWA_TIMEOUT',
    attempts: 1,
    slow: true,
  },
  { name: 'no answer (hang)', fault: { kind: 'hang' }, status: 504, code: 'ERR_LWA_TIMEOUT', attempts: 1, slow: true },
  { name: '500', fault: { kind: 'status', status: 500 }, status: 502, code: 'ERR_LWA_UPSTREAM_STATUS', attempts: 2 },
  { name: '502', fault: { kind: 'status', status: 502 }, status: 502, code: 'ERR_LWA_UPSTREAM_STATUS', attempts: 2 },
  { name: '503', fault: { kind: 'status', status: 503 }, status: 502, code: 'ERR_LWA_UPSTREAM_STATUS', attempts: 2 },
  {
    name: '429 without Retry-After',
    fault: { kind: 'rate-limit' },
    status: 503,
    code: 'ERR_LWA_RATE_LIMITED',
    attempts: 2,
  },
  {
    name: '429, Retry-After: 0',
    fault: { kind: 'rate-limit', retryAfter: 0 },
    status: 503,
    code: 'ERR_LWA_RATE_LIMITED',
    attempts: 2,
  },
  {
    name: '429, Retry-After beyond the timeout',
    fault: { kind: 'rate-limit', retryAfter: 30 },
    status: 503,
    code: 'ERR_LWA_RATE_LIMITED',
    attempts: 1,
  },
  {
    name: 'malformed JSON',
    fault: { kind: 'malformed-json' },
    status: 502,
    code: 'ERR_LWA_RESPONSE_JSON',
    attempts: 1,
  },
  {
    name: 'an HTML error page (502)',
    fault: { kind: 'html' },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_STATUS',
    attempts: 2,
  },
  {
    name: 'an HTML page with 200',
    fault: { kind: 'html', status: 200 },
    status: 502,
    code: 'ERR_LWA_RESPONSE_CONTENT_TYPE',
    attempts: 1,
  },
  {
    name: 'an HTML 403 page (a proxy, a firewall)',
    fault: { kind: 'html', status: 403 },
    status: 502,
    code: 'ERR_LWA_RESPONSE_CONTENT_TYPE',
    attempts: 1,
  },
  {
    name: 'JSON as text/plain',
    fault: { kind: 'content-type', contentType: 'text/plain' },
    status: 502,
    code: 'ERR_LWA_RESPONSE_CONTENT_TYPE',
    attempts: 1,
  },
  {
    name: 'an oversized body (1 MiB)',
    fault: { kind: 'oversized', bytes: 1024 * 1024 },
    status: 502,
    code: 'ERR_LWA_RESPONSE_TOO_LARGE',
    attempts: 1,
  },
  {
    name: 'a 200 that is a JSON array',
    fault: { kind: 'status', status: 200, body: '[1]', contentType: 'application/json' },
    status: 502,
    code: 'ERR_LWA_RESPONSE_SHAPE',
    attempts: 1,
  },
  {
    name: 'a 200 whose error is not a string',
    fault: { kind: 'status', status: 200, body: '{"error":42}', contentType: 'application/json' },
    status: 502,
    code: 'ERR_LWA_RESPONSE_SHAPE',
    attempts: 1,
  },
  {
    name: '404 (a mistyped proxy URL)',
    fault: { kind: 'status', status: 404 },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_STATUS',
    attempts: 1,
  },
  {
    name: 'a redirect (not followed)',
    fault: { kind: 'status', status: 302, body: '' },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_STATUS',
    attempts: 1,
  },
  {
    name: 'a reset before any answer',
    fault: { kind: 'reset' },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_CONNECTION',
    attempts: 2,
  },
  {
    name: 'a reset mid-body',
    fault: { kind: 'reset-mid-body' },
    status: 502,
    code: 'ERR_LWA_UPSTREAM_CONNECTION',
    attempts: 2,
  },
  {
    name: 'DNS failure (unresolvable host)',
    fault: 'dns',
    status: 502,
    code: 'ERR_LWA_UPSTREAM_CONNECTION',
    attempts: 2,
  },
];

export const ENDPOINTS: readonly Endpoint[] = ['tokeninfo', 'profile'];

/** A URL for `endpoint` on a host that never resolves (RFC 6761 `.invalid`): nothing leaves the machine. */
export function unresolvableURL(endpoint: Endpoint): string {
  return endpoint === 'tokeninfo'
    ? 'https://lwa-tokeninfo.invalid/auth/o2/tokeninfo'
    : 'https://lwa-profile.invalid/user/profile';
}
