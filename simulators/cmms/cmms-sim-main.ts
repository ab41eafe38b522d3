import { parseArgs } from 'node:util';
import { MaintainxSim } from './maintainx-sim.js';
import { MaximoSim } from './maximo-sim.js';
import { MqttReceiverSim } from './mqtt-receiver.js';
import { SapSim } from './sap-sim.js';

/**
 * Runs one CMMS contract simulator on its own, for trying a target by hand or from another
 * process: `node dist/simulators/cmms/cmms-sim-main.js --kind sap --port 8082`.
 * Credentials come from flags or the environment (`CBM_SIM_APIKEY`, `CBM_SIM_USER`, `CBM_SIM_PASSWORD`).
 */
const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'maximo' },
    port: { type: 'string', default: '0' },
    key: { type: 'string', default: process.env.CBM_SIM_APIKEY ?? 'sim-api-key' },
    user: { type: 'string', default: process.env.CBM_SIM_USER ?? 'CBM_RFC' },
    password: { type: 'string', default: process.env.CBM_SIM_PASSWORD ?? 'sim-password' },
  },
});
const port = Number(values.port);
const out = (s: string) => process.stdout.write(`${s}\n`);

let stop: () => Promise<void>;
switch (values.kind) {
  case 'maximo': {
    const sim = new MaximoSim({ apiKey: values.key! });
    await sim.start(port);
    out(`Maximo simulator: ${sim.url}/maximo/api/os/mxapiwodetail (apikey: ${values.key})`);
    stop = () => sim.stop();
    break;
  }
  case 'sap': {
    const sim = new SapSim({ username: values.user!, password: values.password! });
    await sim.start(port);
    out(`SAP API_MAINTNOTIFICATION simulator: ${sim.url}/sap/opu/odata/sap/API_MAINTNOTIFICATION (basic ${values.user})`);
    stop = () => sim.stop();
    break;
  }
  case 'maintainx': {
    const sim = new MaintainxSim({ apiKey: values.key! });
    await sim.start(port);
    out(`MaintainX simulator: ${sim.url}/v1/workorders (Bearer ${values.key})`);
    stop = () => sim.stop();
    break;
  }
  case 'mqtt': {
    const sim = new MqttReceiverSim();
    await sim.start(port);
    out(`MQTT central broker + receiver: ${sim.url} (orders on cmms/#, deduplicated by idempotencyKey)`);
    stop = () => sim.stop();
    break;
  }
  default:
    out(`unknown --kind ${values.kind}: maximo, sap, maintainx or mqtt`);
    process.exit(2);
}
const shutdown = () => void stop().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
