import { resolveFrom, loadConfig } from '../../src/config/load.js';
import { opcuaSource, type OpcuaSourceConfig } from '../../src/config/sources/opcua.js';
import { pkiRoot } from '../../src/sources/opcua/paths.js';
import { UsageError, type OptionTable } from './command.js';
import { configOption } from './options.js';

/** Connection settings for the `opcua` commands: from a site config's source, or from flags. */
export interface EndpointArgs {
  cfg: OpcuaSourceConfig;
  pki: string;
  dataDir: string;
}

export const endpointOptions = {
  config: { ...configOption, description: 'site configuration: connect as its OPC UA source does (endpoint, security, user, PKI); default: $CBM_CONFIG, unless an endpoint is given without --source' },
  source: { type: 'string', value: 'ID', description: "which of the config's OPC UA sources (needed when it has more than one)" },
  'security-mode': { type: 'string', value: 'MODE', description: 'None | Sign | SignAndEncrypt, without --config (default: None)' },
  'security-policy': { type: 'string', value: 'POLICY', description: 'Basic256Sha256 | Aes128_Sha256_RsaOaep | Aes256_Sha256_RsaPss, without --config (default: Basic256Sha256 when secured)' },
  user: { type: 'string', value: 'NAME', description: 'log in with this user name; the password comes from $CBM_OPCUA_PASSWORD' },
  pki: { type: 'string', value: 'DIR', description: "certificate folder, without --config (default: ./data's OPC UA PKI)" },
} as const satisfies OptionTable;

export const endpointNote = 'Environment: CBM_OPCUA_PASSWORD is the password for --user (never on the command line: shell history and ps show it).';

export function endpointArgs(values: Partial<Record<keyof typeof endpointOptions, string>>, endpoint: string | undefined): EndpointArgs {
  // As the other commands do, a site named by $CBM_CONFIG stands in for --config (in the container
  // image it always is), except when an endpoint alone asks for a connection from flags.
  const file = values.config ?? (endpoint && !values.source ? undefined : process.env.CBM_CONFIG);
  if (file) {
    const loaded = loadConfig(file);
    const dataDir = resolveFrom(loaded.baseDir, loaded.config.gateway.dataDir);
    const ua = loaded.config.sources.filter((s): s is Extract<typeof s, { type: 'opcua' }> => s.type === 'opcua');
    const cfg = values.source ? ua.find((s) => s.id === values.source) : ua.length === 1 ? ua[0] : undefined;
    if (!cfg) throw new UsageError(`name one of the config's OPC UA sources with --source (${ua.map((s) => s.id).join(', ') || 'none'})`);
    return { cfg: endpoint ? { ...cfg, endpoint } : cfg, pki: pkiRoot(dataDir, cfg.pkiDir), dataDir };
  }
  if (!endpoint) throw new UsageError('give an endpoint (opc.tcp://host:port) or --config FILE [--source ID]');
  const mode = values['security-mode'] ?? 'None';
  const user = values.user;
  const cfg = opcuaSource.parse({
    id: 'cli',
    type: 'opcua',
    endpoint,
    securityMode: mode,
    securityPolicy: values['security-policy'] ?? (mode === 'None' ? 'None' : 'Basic256Sha256'),
    // The password comes from the environment, never from the command line (shell history, ps).
    auth: user ? { type: 'username', username: user, password: process.env.CBM_OPCUA_PASSWORD ?? '' } : { type: 'anonymous' },
    items: [{ asset: 'cli', tag: 'cli', nodeId: 'ns=0;i=2258' }],
  });
  const dataDir = resolveFrom(process.cwd(), 'data');
  return { cfg, pki: values.pki ? resolveFrom(process.cwd(), values.pki) : pkiRoot(dataDir, cfg.pkiDir), dataDir };
}
