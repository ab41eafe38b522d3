/**
 * The Node flags the gateway runs with, wherever it is started: `npm start` (package.json), the
 * `cbm-gateway` executable (the shebang of gateway/cli.ts), the demo and the benchmark. A unit
 * test keeps the literal copies in package.json and the shebang equal to this list.
 *
 * `--no-memory-reducer`: V8's memory reducer hands memory back to the OS when a process looks
 * idle, and as a watchdog runs a full mark-compact at least every ~100 s even under load. On an
 * edge box where the gateway has one core, that collection's marking (~50 ms of CPU for the
 * 55 MB heap of 10,000 tags and 1,000 rules) held ingest up for 60-120 ms, ten to twenty times
 * the work-order latency the gateway otherwise keeps. A daemon that stays busy does not need the
 * heap shrunk between bursts; ordinary collections still run when the heap grows.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];
