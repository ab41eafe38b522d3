import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { formatProblem, ProblemsError } from '../../../src/config/problems.js';
import { REDACTED, redactText } from '../../../src/core/redact.js';
import { tempDir } from '../../helpers/servers.js';

/** A site with a plant broker and a SAP target whose secrets come from elsewhere. */
function site(password: string, sapPassword: string): string {
  return `gateway: { id: gw-1 }
site: { id: plant, name: Plant }
assets:
  - id: p-1
    name: Pump
    tags: [{ id: temp, unit: degC }]
sources:
  - id: plant-broker
    type: mqtt
    url: mqtts://broker.plant:8883
    username: gateway
${password}
    topics: [{ topic: "x/{asset}/{tag}" }]
workOrders:
  targets:
    - id: sap
      type: sap
      url: https://s4.example.com
      username: CBM_USER
${sapPassword}
`;
}

function problemsOf(file: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(file, env);
  } catch (e) {
    if (e instanceof ProblemsError) return e.problems.map(formatProblem);
    throw e;
  }
  throw new Error('expected problems');
}

describe('secrets in the config', () => {
  it('reads `*File` settings once at load, relative to the config file, trimming the trailing newline', () => {
    const dir = tempDir('secrets');
    writeFileSync(join(dir, 'broker-pw'), 'br0ker-pw-from-file\n');
    writeFileSync(join(dir, 'sap-pw'), 'sap pw with spaces \n');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, site('    passwordFile: broker-pw', `      passwordFile: ${join(dir, 'sap-pw')}`));
    const { config } = loadConfig(file, {});
    const src = config.sources[0]!;
    expect(src.type === 'mqtt' && src.password).toBe('br0ker-pw-from-file');
    const t = config.workOrders.targets[0]!;
    expect(t.type === 'sap' && t.password).toBe('sap pw with spaces ');
    // Both are masked from now on wherever they appear.
    expect(redactText('x br0ker-pw-from-file y sap pw with spaces ')).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('a missing secret file, an empty one, or both forms are config errors naming file, line and path', () => {
    const dir = tempDir('secrets');
    writeFileSync(join(dir, 'empty'), '\n');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, site('    passwordFile: /run/secrets/nope', '      password: x\n      passwordFile: empty'));
    expect(problemsOf(file)).toEqual([
      `${file}:12:19: sources[0].passwordFile: cannot read secret file /run/secrets/nope: no such file`,
      `${file}:21:21: workOrders.targets[0].passwordFile: expected \`password\` or \`passwordFile\`, not both`,
    ]);
    writeFileSync(file, site('    passwordFile: empty', '      password: x'));
    expect(problemsOf(file)).toEqual([`${file}:12:19: sources[0].passwordFile: secret file empty is empty`]);
  });

  it('an unreadable secret file says why', () => {
    if (process.getuid?.() === 0) return; // root reads every file: nothing to show
    const dir = tempDir('secrets');
    writeFileSync(join(dir, 'locked'), 'pw');
    chmodSync(join(dir, 'locked'), 0);
    const file = join(dir, 'site.yaml');
    writeFileSync(file, site('    passwordFile: locked', '      password: x'));
    expect(problemsOf(file)[0]).toContain('permission denied');
  });

  it('an unset ${ENV} is an error naming the line that refers to it', () => {
    const dir = tempDir('secrets');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, site('    password: "${BROKER_PASSWORD}"', '      password: "${SAP_PASSWORD}"'));
    expect(problemsOf(file, { SAP_PASSWORD: 'set' })).toEqual([
      `${file}:12:15: sources[0].password: environment variable BROKER_PASSWORD is not set (use \${BROKER_PASSWORD:-default} for a default)`,
    ]);
    const { config } = loadConfig(file, { SAP_PASSWORD: 'sap-env-secret', BROKER_PASSWORD: 'broker-env-secret' });
    expect(config.sources[0]).toMatchObject({ password: 'broker-env-secret' });
    expect(redactText('sap-env-secret broker-env-secret')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('registers credentials in URLs and credential headers for redaction', () => {
    const dir = tempDir('secrets');
    const file = join(dir, 'site.yaml');
    const text = site('    password: x', '      password: x').replace(
      'workOrders:\n  targets:',
      'workOrders:\n  targets:\n    - { id: hook, type: webhook, url: "https://ops:hook%2Fpw1@cmms.local/h", headers: { Authorization: "Bearer bearer-tok-42", X-Plant: "north-hall" } }',
    );
    writeFileSync(file, text);
    loadConfig(file, {});
    expect(redactText('sent hook/pw1 and Bearer bearer-tok-42 to north-hall')).toBe(`sent ${REDACTED} and ${REDACTED} to north-hall`);
  });
});

describe('files the config names', () => {
  it('a rule file or folder that is not there is a problem at the line that names it', () => {
    const dir = tempDir('rules-missing');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'gateway: { id: gw-1 }\nsite: { id: plant, name: Plant }\nrules:\n  - rules/pumps.yaml\n  - library\n');
    expect(problemsOf(file)).toEqual([`${file}:4:5: rules[0]: no rule file or folder ${join(dir, 'rules/pumps.yaml')}`, `${file}:5:5: rules[1]: no rule file or folder ${join(dir, 'library')}`]);
  });
});
