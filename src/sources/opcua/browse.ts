import { AttributeIds, BrowseDirection, DataType, NodeClass, NodeClassMask, resolveNodeId, type ClientSession, type NodeId } from 'node-opcua';
import { scalarValue } from './datavalue.js';

export interface BrowseRow {
  depth: number;
  nodeId: string;
  /** `ns:Name`, the form our `browsePath` uses. */
  browseName: string;
  nodeClass: 'Object' | 'Variable' | 'Method' | 'Other';
  dataType?: string;
  value?: string;
  status?: string;
  /** The item's browse path from Objects, ready to paste into a site config. */
  path: string;
}

function dataTypeName(id: NodeId | undefined): string | undefined {
  if (!id) return undefined;
  if (id.namespace === 0 && typeof id.value === 'number' && DataType[id.value] !== undefined) return DataType[id.value];
  return id.toString();
}

/**
 * Walks the address space below `start` (default: the Objects folder) along hierarchical
 * references (Part 4 §5.8.2 Browse), `depth` levels deep, reading each variable's DataType and
 * current value: what an engineer needs to map tags without UaExpert.
 */
export async function browseTree(session: ClientSession, start = 'ns=0;i=85', depth = 3): Promise<BrowseRow[]> {
  const rows: BrowseRow[] = [];
  const walk = async (nodeId: NodeId, level: number, path: string): Promise<void> => {
    const res = await session.browse({
      nodeId,
      browseDirection: BrowseDirection.Forward,
      referenceTypeId: 'HierarchicalReferences',
      includeSubtypes: true,
      nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
      resultMask: 63,
    });
    const refs = res.references ?? [];
    const vars = refs.filter((r) => r.nodeClass === NodeClass.Variable);
    const attrs = vars.length
      ? await session.read(vars.flatMap((r) => [{ nodeId: r.nodeId, attributeId: AttributeIds.Value }, { nodeId: r.nodeId, attributeId: AttributeIds.DataType }]))
      : [];
    for (const r of refs) {
      const name = `${r.browseName.namespaceIndex}:${r.browseName.name}`;
      const p = path ? `${path}/${name}` : name;
      const row: BrowseRow = { depth: level, nodeId: r.nodeId.toString(), browseName: name, nodeClass: r.nodeClass === NodeClass.Object ? 'Object' : r.nodeClass === NodeClass.Variable ? 'Variable' : 'Other', path: p };
      const i = vars.indexOf(r);
      if (i >= 0) {
        const v = attrs[2 * i];
        const dt = attrs[2 * i + 1];
        row.dataType = dataTypeName(dt?.value.value as NodeId | undefined);
        if (v) {
          const sv = scalarValue(v.value);
          row.value = sv === undefined ? (v.value.value === null ? '' : String(v.value.value).slice(0, 60)) : String(sv);
          row.status = v.statusCode.name;
        }
      }
      rows.push(row);
      // Variables can have children (properties such as EURange): list them one level only.
      if (level < depth && (r.nodeClass === NodeClass.Object || level === 0)) await walk(resolveNodeId(r.nodeId.toString()), level + 1, p);
    }
  };
  await walk(resolveNodeId(start), 0, '');
  return rows;
}
