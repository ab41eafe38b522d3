import { parseArgs } from 'node:util';
import { startModbusSimulator, type ModbusSimulator } from './server.js';

/**
 * `node dist/simulators/modbus/main.js --port 5020[,5021,…] [--host 127.0.0.1]`: the demo plant
 * as Modbus TCP devices, one per port, each serving the map in `register-map.ts`.
 */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5020' },
    update: { type: 'string', default: '250' },
  },
});

const sims: ModbusSimulator[] = [];
for (const p of values.port.split(',')) sims.push(await startModbusSimulator({ host: values.host, port: Number(p), updateMs: Number(values.update) }));
process.stdout.write(`modbus simulator listening on ${values.host}:${values.port} (c-201 compressor in holding 0-17, pumps in input 0-17, coils 0-3, test pattern holding 100-123)\n`);
const stop = () => void Promise.all(sims.map((s) => s.stop())).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
