import { parseArgs } from 'node:util';
import { demoPlant } from './model.js';
import { startPublisher } from './mqtt-publisher.js';

/** `node dist/simulators/plant/main.js --mqtt mqtt://127.0.0.1:1883`: the demo plant over MQTT. */
const { values } = parseArgs({
  options: {
    mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    prefix: { type: 'string', default: 'plant/demo' },
    interval: { type: 'string', default: '1000' },
  },
});

const pub = await startPublisher({
  url: values.mqtt,
  prefix: values.prefix,
  intervalMs: Number(values.interval),
  pumps: demoPlant(),
  log: (l) => process.stdout.write(`${l}\n`),
});
const stop = () => void pub.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
