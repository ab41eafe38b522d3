import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';

/** The ports the demo listens on (the plant's servers, the gateway's API and broker, the CMMS receiver). */
export interface DemoPorts {
  mqtt: number;
  compressor: number;
  modbus: number;
  opcua: number;
  api: number;
  cmms: number;
}

export const DEFAULT_PORTS: Readonly<DemoPorts> = { mqtt: 1883, compressor: 5020, modbus: 5021, opcua: 4840, api: 8080, cmms: 8081 };

/**
 * `--ports api=8090,cmms=8091`: the ports named there replace the defaults. Throws with what was
 * wrong (an unknown name, a port out of range, two uses of one port).
 */
export function parsePorts(text: string | undefined): DemoPorts {
  const ports: DemoPorts = { ...DEFAULT_PORTS };
  for (const part of (text ?? '').split(',').filter((p) => p.trim())) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (!name || !(name in DEFAULT_PORTS)) throw new Error(`--ports: "${part}" names no port of the demo; the names: ${Object.keys(DEFAULT_PORTS).join(', ')}`);
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--ports: ${name} must be a port number (1 to 65535), not "${value ?? ''}"`);
    ports[name as keyof DemoPorts] = port;
  }
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    if (seen.has(port)) throw new Error(`--ports: ${seen.get(port)} and ${name} both use port ${port}`);
    seen.set(port, name);
  }
  return ports;
}

function indexById(doc: Document, path: (string | number)[], id: string): number {
  const seq = doc.getIn(path);
  const i = isSeq(seq) ? seq.items.findIndex((item) => isMap(item) && item.get('id') === id) : -1;
  if (i < 0) throw new Error(`the demo's site config has no ${path.join('.')} entry "${id}"`);
  return i;
}

/**
 * Writes the site config the demo's gateway runs on, `<dataDir>/demo.yaml`: `edge-config/demo.yaml`
 * with the data dir, the ports, the OPC UA client's PKI folder and login session limits for its
 * clock's scale put in. The rule files it names
 * are copied into `<dataDir>/rules/` the first time (a `--fresh` start copies them again), so rules
 * saved in the page's editor stay with the demo's data and the shipped files stay as they are.
 * Returns the file's path.
 */
export function writeDemoSite(opts: { root: string; dataDir: string; ports: DemoPorts; clientPkiDir: string; scale: number }): string {
  const source = join(opts.root, 'edge-config/demo.yaml');
  const doc = parseDocument(readFileSync(source, 'utf8'));
  const { ports } = opts;
  doc.setIn(['gateway', 'dataDir'], '.');
  const mqtt = indexById(doc, ['sources'], 'plant-mqtt');
  doc.setIn(['sources', mqtt, 'broker', 'port'], ports.mqtt);
  for (const [id, port] of [
    ['plant-modbus', ports.compressor],
    ['packing-modbus', ports.modbus],
  ] as const) {
    const s = indexById(doc, ['sources'], id);
    const devices = doc.getIn(['sources', s, 'devices']);
    if (!isSeq(devices)) throw new Error(`the demo's site config has no devices under source "${id}"`);
    for (let d = 0; d < devices.items.length; d++) doc.setIn(['sources', s, 'devices', d, 'port'], port);
  }
  const opcua = indexById(doc, ['sources'], 'plant-opcua');
  doc.setIn(['sources', opcua, 'endpoint'], `opc.tcp://127.0.0.1:${ports.opcua}`);
  doc.setIn(['sources', opcua, 'pkiDir'], opts.clientPkiDir);
  const cmms = indexById(doc, ['workOrders', 'targets'], 'local-cmms');
  doc.setIn(['workOrders', 'targets', cmms, 'url'], `http://127.0.0.1:${ports.cmms}/work-orders`);
  doc.setIn(['api', 'port'], ports.api);
  // The gateway's clock runs `scale` times the wall clock, and a login session's limits are read on
  // it: the site defaults (8 hours idle, 7 days in all) would log a person out after 8 seconds
  // without a click. Scaled, a session lasts as long as it would on a real site's clock.
  doc.setIn(['api', 'sessions'], doc.createNode({ idle: `${Math.round(8 * opts.scale)}h`, maxAge: `${Math.round(7 * 24 * opts.scale)}h` }, { flow: true }));

  // Rule files and folders, from the repository's rules/ to the data dir's rules/.
  const rules = doc.get('rules');
  if (!isSeq(rules)) throw new Error("the demo's site config names no rules");
  const rulesRoot = join(opts.root, 'rules');
  const copied = !existsSync(join(opts.dataDir, 'rules'));
  rules.items.forEach((_, i) => {
    const from = resolve(dirname(source), String(doc.getIn(['rules', i])));
    const to = relative(rulesRoot, from);
    if (to.startsWith('..')) throw new Error(`the demo's rule file ${from} is not under ${rulesRoot}`);
    if (copied) copyRules(from, join(opts.dataDir, 'rules', to));
    doc.setIn(['rules', i], `rules/${to.split('\\').join('/')}`);
  });

  mkdirSync(opts.dataDir, { recursive: true });
  const file = join(opts.dataDir, 'demo.yaml');
  const head = `# Written by npm run demo from edge-config/demo.yaml at each start (edit that file, not this one).\n`;
  writeFileSync(file, head + withSchemaPaths(doc.toString(), dirname(source)));
  return file;
}

/** Copies a rule file, or a folder's rule files, keeping their `$schema` comments pointing at the shipped schemas. */
function copyRules(from: string, to: string): void {
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) if (name.endsWith('.yaml') || name.endsWith('.yml')) copyRules(join(from, name), join(to, name));
    return;
  }
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, withSchemaPaths(readFileSync(from, 'utf8'), dirname(from)));
}

/** yaml-language-server's `$schema=relative/path` made absolute, so editors still find the schema from the copy. */
function withSchemaPaths(text: string, fromDir: string): string {
  return text.replace(/(# yaml-language-server: \$schema=)(\S+)/, (_m, head: string, path: string) => `${head}${resolve(fromDir, path)}`);
}
