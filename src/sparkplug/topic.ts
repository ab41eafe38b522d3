/**
 * The Sparkplug B topic namespace (Sparkplug 3.0 §4.1):
 * `spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]`. (The Primary Host
 * Application's `spBv1.0/STATE/<host_id>` is not used: the edge node births without waiting for a host.)
 */
export const NAMESPACE = 'spBv1.0';

export const NODE_TYPES = ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'] as const;
export const DEVICE_TYPES = ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const;
export type NodeMessageType = (typeof NODE_TYPES)[number];
export type DeviceMessageType = (typeof DEVICE_TYPES)[number];
export type MessageType = NodeMessageType | DeviceMessageType;

export interface SparkplugTopic {
  group: string;
  type: MessageType;
  node: string;
  /** Present for the D* message types. */
  device: string | undefined;
}

const nodeTypes = new Set<string>(NODE_TYPES);
const deviceTypes = new Set<string>(DEVICE_TYPES);

export function nodeTopic(group: string, type: NodeMessageType, node: string): string {
  return `${NAMESPACE}/${group}/${type}/${node}`;
}

export function deviceTopic(group: string, type: DeviceMessageType, node: string, device: string): string {
  return `${NAMESPACE}/${group}/${type}/${node}/${device}`;
}

/**
 * Parses a Sparkplug B topic; undefined for anything else (another namespace, STATE, a wrong
 * number of levels or a message type that does not fit them).
 */
export function parseTopic(topic: string): SparkplugTopic | undefined {
  const p = topic.split('/');
  if (p[0] !== NAMESPACE || p.length < 4 || p.length > 5) return undefined;
  const [, group, type, node, device] = p as [string, string, string, string, string | undefined];
  if (!group || !node || device === '') return undefined;
  if (device === undefined ? !nodeTypes.has(type) : !deviceTypes.has(type)) return undefined;
  return { group, type: type as MessageType, node, device };
}
