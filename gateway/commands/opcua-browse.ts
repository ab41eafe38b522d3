import { CbmError } from '../../src/core/errors.js';
import type { BrowseRow } from '../../src/sources/opcua/browse.js';
import { loadRuntime } from '../../src/sources/opcua/load.js';
import { defineCommand } from './command.js';
import { endpointArgs, endpointNote, endpointOptions } from './opcua-endpoint.js';
import { jsonOption } from './options.js';

function table(rows: BrowseRow[]): string {
  const name = (r: BrowseRow) => `${'  '.repeat(r.depth)}${r.browseName}`;
  const w1 = Math.max(10, ...rows.map((r) => name(r).length));
  const w2 = Math.max(6, ...rows.map((r) => r.nodeId.length));
  const w3 = Math.max(8, ...rows.map((r) => (r.dataType ?? r.nodeClass).length));
  const head = `${'BROWSE NAME'.padEnd(w1)}  ${'NODEID'.padEnd(w2)}  ${'TYPE'.padEnd(w3)}  VALUE`;
  return [head, ...rows.map((r) => `${name(r).padEnd(w1)}  ${r.nodeId.padEnd(w2)}  ${(r.dataType ?? r.nodeClass).padEnd(w3)}  ${r.value ?? ''}${r.status && r.status !== 'Good' ? ` (${r.status})` : ''}`)].join('\n');
}

export const opcuaBrowseCommand = defineCommand({
  words: ['opcua', 'browse'],
  usage: 'opcua browse <endpoint> [nodeId] [--depth N] [--json] [--config FILE --source ID]',
  summary: 'list an OPC UA address space: NodeIds, browse names, data types, current values',
  options: { ...endpointOptions, depth: { type: 'string', default: '3', value: 'N', description: 'levels below the start node to list' }, json: jsonOption },
  positionals: true,
  notes: ['Arguments: <endpoint> opc.tcp://host:port (or from --config); [nodeId] where to start (default: ns=0;i=85, the Objects folder).', endpointNote],
  async run({ values, positionals }) {
    const [first, second] = positionals;
    const isEndpoint = first?.startsWith('opc.tcp://');
    const { cfg, pki, dataDir } = endpointArgs(values, isEndpoint ? first : undefined);
    const start = isEndpoint ? second : first;
    const { browseTree, createClient, describeFailure, openPki, userIdentity } = await loadRuntime();
    const cm = await openPki(pki);
    const client = createClient({ ...cfg, reconnect: { initialDelay: 500, maxDelay: 1000 } }, cm);
    try {
      await client.connect(cfg.endpoint);
      const session = await client.createSession(userIdentity(cfg));
      const rows = await browseTree(session, start ?? 'ns=0;i=85', Number(values.depth));
      process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : `${table(rows)}\n`);
      await session.close();
      return 0;
    } catch (e) {
      const f = await describeFailure(e, cfg, dataDir);
      throw new CbmError(f.code, f.detail, { cause: e });
    } finally {
      await client.disconnect().catch(() => undefined);
    }
  },
});
