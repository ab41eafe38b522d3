import { parseArgs } from 'node:util';
import { startOpcuaSimulator } from './server.js';

/**
 * `node dist/simulators/opcua/main.js --port 4840 --pki .data/opcua-sim-pki`: the demo plant as
 * an OPC UA server. `--bench N` adds N Double variables changing every `--interval` ms.
 * `--user name:password` (repeatable) enables UserName identity tokens.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4840' },
    pki: { type: 'string', default: '.data/opcua-sim-pki' },
    interval: { type: 'string', default: '1000' },
    bench: { type: 'string', default: '0' },
    user: { type: 'string', multiple: true, default: [] },
  },
});

const users = Object.fromEntries(values.user.map((u) => [u.slice(0, u.indexOf(':')), u.slice(u.indexOf(':') + 1)]));
const sim = await startOpcuaSimulator({
  port: Number(values.port),
  pkiDir: values.pki,
  interval: Number(values.interval),
  benchItems: Number(values.bench),
  users,
});
process.stdout.write(`OPC UA plant simulator on ${sim.endpoint} (${sim.variables.size} variables)\n`);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
