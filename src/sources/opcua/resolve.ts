import { makeBrowsePath, ObjectIds, resolveNodeId, StatusCodes, type ClientSession, type NodeId } from 'node-opcua';
import type { PlannedItem } from './plan.js';

export type Resolved = { ok: true; nodeId: NodeId } | { ok: false; reason: string };

/**
 * Our browse-path syntax is Part 4 Annex A.2's RelativePath text format starting at the Objects
 * folder (`2:DemoPlant/2:Utilities/2:P-101/2:Vibration`), where `/` follows hierarchical
 * references; a leading `/`, `Objects/` or `0:Objects/` is accepted, as UaExpert copies it.
 */
export function relativePath(path: string): string {
  let p = path.trim().replace(/^\/+/, '');
  p = p.replace(/^(0:)?Objects(\/|$)/, '');
  return `/${p}`;
}

/**
 * NodeIds for the planned items: NodeId strings parse locally, browse paths are resolved in one
 * TranslateBrowsePathsToNodeIds call (Part 4 §5.8.4). Done again after every reconnect, since a
 * restarted server may have renumbered its namespaces.
 */
export async function resolveItems(session: ClientSession, items: readonly PlannedItem[]): Promise<Map<number, Resolved>> {
  const out = new Map<number, Resolved>();
  const byPath: PlannedItem[] = [];
  for (const it of items) {
    if (it.nodeId !== undefined) {
      try {
        out.set(it.index, { ok: true, nodeId: resolveNodeId(it.nodeId) });
      } catch {
        out.set(it.index, { ok: false, reason: StatusCodes.BadNodeIdInvalid.name });
      }
    } else if (it.browsePath !== undefined) byPath.push(it);
  }
  const CHUNK = 1000; // servers cap operations per call (MaxNodesPerTranslateBrowsePathsToNodeIds)
  for (let i = 0; i < byPath.length; i += CHUNK) {
    const chunk = byPath.slice(i, i + CHUNK);
    const paths = chunk.map((it) => {
      try {
        return makeBrowsePath(ObjectIds.ObjectsFolder, relativePath(it.browsePath!));
      } catch {
        return undefined;
      }
    });
    const valid = paths.filter((p) => p !== undefined);
    const results = valid.length > 0 ? await session.translateBrowsePath(valid) : [];
    let r = 0;
    chunk.forEach((it, j) => {
      if (paths[j] === undefined) {
        out.set(it.index, { ok: false, reason: 'BadBrowseNameInvalid' });
        return;
      }
      const res = results[r++];
      const target = res?.targets?.[0];
      if (!res || res.statusCode.isNotGood() || !target) out.set(it.index, { ok: false, reason: res?.statusCode.name ?? 'BadNoMatch' });
      else out.set(it.index, { ok: true, nodeId: target.targetId });
    });
  }
  return out;
}
