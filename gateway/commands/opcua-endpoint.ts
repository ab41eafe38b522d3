import { resolveFrom, loadConfig } from '../../src/config/load.js';
import { opcuaSource, type OpcuaSourceConfig } from '../../src/config/sources/opcua.js';
import { pkiRoot } from '../../src/sources/opcua/paths.js';
import { UsageError } from './command.js';

/** Connection settings for the `opcua` commands: from a site config's source, or from flags. */
export interface EndpointArgs {
  cfg: OpcuaSourceConfig;
  pki: string;
  dataDir: string;
}

export const endpointOptions = {
  config: { type: 'string', short: 'c' },
  source: { type: 'string' },
  'security-mode': { type: 'string' },
  'security-policy': { type: 'string' },
  user: { type: 'string' },
  pki: { type: 'string' },
} as const;

export function endpointArgs(values: Partial<Record<keyof typeof endpointOptions, string>>, endpoint: string | undefined): EndpointArgs {
  if (values.config) {
    const loaded = loadConfig(values.config);
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
