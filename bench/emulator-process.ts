/** The LWA emulator in a process of its own, so it does not share a CPU with what it measures. */
import { LwaEmulator, type Fault, type FaultTarget } from '../lib/testing';
import { serve } from './ipc';

let emu: LwaEmulator | undefined;
const started = (): LwaEmulator => {
  if (!emu) throw new Error('emulator not started');
  return emu;
};

serve(async (type, args) => {
  switch (type) {
    case 'start':
      emu = await LwaEmulator.start({
        latencyMs: Number(args.latencyMs),
        maxRecordedRequests: Number(args.maxRecordedRequests ?? 0),
      });
      return { tokenInfoURL: emu.tokenInfoURL, profileURL: emu.profileURL };
    case 'mint':
      return Array.from({ length: Number(args.count) }, () => started().mintToken({ clientID: String(args.clientID) }));
    case 'latency':
      started().setLatency(Number(args.ms));
      return null;
    case 'fault':
      started().fault(args.endpoint as FaultTarget, args.fault as Fault);
      return null;
    case 'clear-faults':
      started().clearFaults();
      return null;
    case 'stats':
      return { calls: { ...started().calls }, connections: started().connections };
    case 'reset':
      started().resetCalls();
      return null;
    case 'profile-calls-by-token': {
      // Profile calls carry the token as a bearer credential: count them per token (recorded requests only).
      const counts: Record<string, number> = {};
      for (const r of started().requests) {
        const auth = r.endpoint === 'profile' ? r.headers.authorization : undefined;
        if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
          const token = auth.slice('Bearer '.length);
          counts[token] = (counts[token] ?? 0) + 1;
        }
      }
      return counts;
    }
    default:
      throw new Error(`unknown request ${type}`);
  }
});
