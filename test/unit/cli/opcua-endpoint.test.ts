import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointArgs } from '../../../gateway/commands/opcua-endpoint.js';

const site = join(import.meta.dirname, '../../../edge-config/examples/opcua-site.yaml');
const saved = { ...process.env };

/** Where `opcua browse` and `opcua trust` take their connection from: --config, $CBM_CONFIG or flags. */
describe('opcua commands: the endpoint to connect to', () => {
  afterEach(() => {
    process.env = { ...saved };
  });

  it('takes a source of the site $CBM_CONFIG names when there is no --config (as in the container image)', () => {
    Object.assign(process.env, { CBM_CONFIG: site, STATION_PLC_PASSWORD: 'x', KEPWARE_PASSWORD: 'y' });
    const a = endpointArgs({ source: 'kepware' }, undefined);
    expect(a.cfg).toMatchObject({ id: 'kepware', endpoint: 'opc.tcp://10.7.0.20:49320', securityMode: 'SignAndEncrypt' });
    expect(a.dataDir).toBe(join(site, '../data'));
    // An endpoint with --source: that source's settings, at the endpoint given.
    expect(endpointArgs({ source: 'kepware' }, 'opc.tcp://127.0.0.1:4840').cfg).toMatchObject({ id: 'kepware', endpoint: 'opc.tcp://127.0.0.1:4840' });
  });

  it('an endpoint alone connects from flags, whatever $CBM_CONFIG says', () => {
    process.env.CBM_CONFIG = site;
    expect(endpointArgs({}, 'opc.tcp://127.0.0.1:4840').cfg).toMatchObject({ id: 'cli', endpoint: 'opc.tcp://127.0.0.1:4840', securityMode: 'None' });
  });
});
