/**
 * The Swedbank Pay emulator in its own process (as a user's CI runs it), so that its CPU is not
 * counted as the load generator's or the worker's. Started by bench/support/stack.ts with `fork`;
 * configured by BENCH_EMULATOR (JSON); stops on `{type:'stop'}`, when its parent goes away, or after
 * its time limit.
 */
import { startEmulator } from '../../src/emulator/index.js';

interface EmulatorProcessConfig {
  token: string;
  maxLifetimeMs: number;
}

const config = JSON.parse(process.env.BENCH_EMULATOR ?? '{}') as EmulatorProcessConfig;

async function main(): Promise<void> {
  const lifetime = setTimeout(() => process.exit(2), config.maxLifetimeMs);
  lifetime.unref();
  const emulator = await startEmulator({
    token: config.token,
    seed: 1,
    // Callbacks that reach a payment before its workflow exists are answered 404 and retried soon.
    callbackRetryScheduleMs: [0, 200, 1_000, 5_000],
  });
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') stop();
  });
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', baseUrl: emulator.baseUrl });
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
