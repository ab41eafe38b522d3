import { join } from 'node:path';
import type { Logger } from '../../src/core/logger.js';
import { silentLogger } from '../../src/core/logger.js';
import { systemClock } from '../../src/core/clock.js';
import type { Sample } from '../../src/core/sample.js';
import type { ConnectionState, SourceContext } from '../../src/sources/source.js';
import { tempDir } from './servers.js';
import { runRoot } from './tmp.js';

/**
 * PKI folders reused across the files of a test run and removed with its temporary root:
 * node-opcua makes an RSA key and a certificate the first time a folder is used, which takes
 * seconds. Each simulated server gets a folder (so a test can give one server a certificate the
 * client has never trusted), and so does each test file's client: files run in parallel
 * processes, and two processes making the first certificate of one folder at once could leave a
 * key and a certificate that do not match.
 */
export function opcuaPki(name: string): string {
  return join(runRoot(), 'opcua-pki', name);
}

export interface Recorder {
  ctx: SourceContext;
  samples: Sample[];
  states: { state: ConnectionState; detail: string | undefined; at: number }[];
  abort: AbortController;
  of(tag: string): Sample[];
  lastState(): { state: ConnectionState; detail: string | undefined } | undefined;
}

/** A SourceContext that records what a source hands the pipeline and every status it reports. */
export function recorder(log: Logger = silentLogger): Recorder {
  const samples: Sample[] = [];
  const states: Recorder['states'] = [];
  const abort = new AbortController();
  return {
    samples,
    states,
    abort,
    of: (tag) => samples.filter((s) => s.tag === tag),
    lastState: () => states[states.length - 1],
    ctx: {
      whenDurable: (cb) => cb(),
      ingest: (batch) => {
        for (const s of batch) samples.push({ ...s });
      },
      status: (state, detail) => states.push({ state, detail, at: Date.now() }),
      clock: systemClock,
      log,
      signal: abort.signal,
      dataDir: tempDir('opcua-data'),
    },
  };
}
