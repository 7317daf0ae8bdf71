/**
 * What the test files share (test/README.md lists it), one module a job: the emulator and its tokens
 * (`emulator.ts`), the test app and its requests (`app.ts`), what every framework test sends
 * (`cases.ts`), a movable clock (`clock.ts`), diagnostics events (`events.ts`), the token-leak check
 * (`leaks.ts`), suites that need a tool (`tools.ts`) and verdicts for the cache's unit tests
 * (`verdicts.ts`). Import from here or from the module itself.
 */
export * from './app';
export * from './cases';
export * from './clock';
export * from './emulator';
export * from './events';
export * from './leaks';
export * from './tools';
export * from './verdicts';
