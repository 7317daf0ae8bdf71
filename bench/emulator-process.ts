/** The LWA emulator in a process of its own, so it does not share a CPU with what it measures. */
import { LwaEmulator } from '../lib/testing';
import { serve } from './ipc';

let emu: LwaEmulator | undefined;
const started = (): LwaEmulator => {
  if (!emu) throw new Error('emulator not started');
  return emu;
};

serve(async (type, args) => {
  switch (type) {
    case 'start':
      emu = await LwaEmulator.start({ latencyMs: Number(args.latencyMs), maxRecordedRequests: 0 });
      return { tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL };
    case 'mint':
      return Array.from({ length: Number(args.count) }, () => started().mintToken({ clientId: String(args.clientId) }));
    case 'latency':
      started().setLatency(Number(args.ms));
      return null;
    case 'stats':
      return { calls: { ...started().calls }, connections: started().connections };
    case 'reset':
      started().resetCalls();
      return null;
    default:
      throw new Error(`unknown request ${type}`);
  }
});
