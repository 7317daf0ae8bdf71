/**
 * `passport-lwa-token/testing`: a Login with Amazon emulator for tests, examples and benchmarks.
 * @packageDocumentation
 */
export { LwaEmulator } from './emulator';
export type { CallCounts, EmulatorOptions, RecordedRequest, TokenVia } from './emulator';
export type { Endpoint, Fault, FaultOptions, FaultTarget } from './faults';
export type { EmulatorCustomer, SignInCustomer } from './customers';
export { SAMPLE_CUSTOMER } from './token-store';
export type { MintOptions, Scope, TokenRecord, TokenState } from './token-store';
