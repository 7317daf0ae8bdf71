import { LwaEmulator, type EmulatorOptions } from '../../lib/testing';

/**
 * One emulator for a test file: started before the tests, closed after, with faults and counters
 * reset before each test. `onStart` receives it (jest collects tests before `beforeAll` runs).
 */
export function useEmulator(onStart: (emu: LwaEmulator) => void, options?: EmulatorOptions): void {
  let emu: LwaEmulator | undefined;
  beforeAll(async () => {
    emu = await LwaEmulator.start(options);
    onStart(emu);
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu?.clearFaults();
    emu?.resetCalls();
  });
}
