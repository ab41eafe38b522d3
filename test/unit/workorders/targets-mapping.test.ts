import { describe, expect, it } from 'vitest';
import { targetSchema } from '../../../src/config/schema.js';
import { CbmError } from '../../../src/core/errors.js';
import { idempotencyKey } from '../../../src/workorders/model.js';
import { failOn, ResponseHeaders } from '../../../src/workorders/targets/http.js';
import { maintainxMessage, maintainxStatus } from '../../../src/workorders/targets/maintainx.js';
import { maximoMessage, maximoStatus } from '../../../src/workorders/targets/maximo.js';
import { odataMessage, sapReference, sapStatus } from '../../../src/workorders/targets/sap.js';
import { raisedPriority, updateSummary, updateText, updateTrailer } from '../../../src/workorders/targets/updates.js';
import { updateKey, type OrderUpdate } from '../../../src/workorders/update.js';

const res = (status: number, text = '') => ({ status, headers: new ResponseHeaders(), text });

function thrown(f: () => void): CbmError | undefined {
  try {
    f();
  } catch (e) {
    return e as CbmError;
  }
  return undefined;
}

describe('HTTP outcome → error code', () => {
  it.each([200, 201, 204])('%i is ok', (s) => expect(thrown(() => failOn('t', res(s), () => undefined))).toBeUndefined());
  it.each([408, 429, 500, 502, 503, 504])('%i is retryable', (s) => {
    expect(thrown(() => failOn('t', res(s), () => undefined))).toMatchObject({ code: 'CBM_ERR_TARGET_UNAVAILABLE', retryable: true });
  });
  it.each([400, 404, 405, 409, 410, 413, 415, 422])('%i is rejected', (s) => {
    expect(thrown(() => failOn('t', res(s), () => undefined))).toMatchObject({ code: 'CBM_ERR_TARGET_REJECTED', retryable: false });
  });
  it.each([401, 403])('%i is rejected and says it is the credentials', (s) => {
    expect(thrown(() => failOn('t', res(s), () => undefined))?.message).toMatch(/authentication or authorisation failed/);
  });
  it('carries the vendor message', () => {
    expect(thrown(() => failOn('maximo x', res(400, '{"Error":{"message":"BMXAA4195E - site"}}'), maximoMessage))?.message).toBe('maximo x: HTTP 400 BMXAA4195E - site');
  });
});

describe('vendor error bodies', () => {
  it('reads each vendor envelope', () => {
    expect(maximoMessage('{"Error":{"reasonCode":"BMXAA1","message":"m"}}')).toBe('m');
    expect(odataMessage('{"error":{"code":"C/1","message":{"lang":"en","value":"v"}}}')).toBe('C/1: v');
    expect(odataMessage('CSRF token validation failed')).toBe('CSRF token validation failed');
    expect(maintainxMessage('{"errors":[{"message":"a"},{"message":"b"}]}')).toBe('a; b');
    expect(maintainxMessage('{"message":"m"}')).toBe('m');
    expect(maximoMessage('<html>')).toBeUndefined();
  });
});

describe('status mappings', () => {
  it('maximo', () => {
    expect(['WAPPR', 'APPR', 'WSCH', 'WMATL', 'INPRG', 'COMP', 'CLOSE', 'CAN'].map(maximoStatus)).toEqual(['open', 'open', 'open', 'open', 'in_progress', 'completed', 'completed', 'cancelled']);
  });
  it('sap notification phase', () => {
    expect(['1', '2', '3', '4', '5', undefined].map(sapStatus)).toEqual(['open', 'open', 'in_progress', 'completed', 'cancelled', 'open']);
  });
  it('maintainx', () => {
    expect(['OPEN', 'ON_HOLD', 'IN_PROGRESS', 'DONE', 'COMPLETED'].map((status) => maintainxStatus({ status }))).toEqual(['open', 'open', 'in_progress', 'completed', 'completed']);
    expect(maintainxStatus({ status: 'CLOSED' })).toBe('cancelled');
    expect(maintainxStatus({ status: 'CLOSED', completedAt: '2026-01-01T00:00:00Z' })).toBe('completed');
  });
});

describe('sapReference', () => {
  it('fits MaintNotifExtReferenceNumber (20, upper case) and is stable per key', () => {
    const k = idempotencyKey({ gatewayId: 'gw', siteId: 's', installId: 'i' }, 'rule', 'asset', 7);
    expect(sapReference(k)).toMatch(/^CBM[0-9A-F]{17}$/);
    expect(sapReference(k)).toBe(sapReference(k));
    expect(sapReference(idempotencyKey({ gatewayId: 'gw', siteId: 's', installId: 'i' }, 'rule', 'asset', 8))).not.toBe(sapReference(k));
    expect(sapReference('some other key')).toMatch(/^CBM[0-9A-F]{17}$/);
  });
});

describe('target config', () => {
  it('fills defaults', () => {
    expect(targetSchema.parse({ id: 'm', type: 'mqtt', url: 'mqtts://broker:8883' })).toMatchObject({ topic: 'cmms/{site}/{asset}/workorders', retain: false, timeout: 10_000, rejectUnauthorized: true });
    expect(targetSchema.parse({ id: 'x', type: 'maximo', url: 'https://mx', apiKey: 'k', siteid: 'S' })).toMatchObject({
      path: '/maximo/api/os/mxapiwodetail',
      keyAttribute: 'externalrefid',
      assetnum: 'serialNumber',
      priority: { 1: 1, 2: 2, 3: 3, 4: 4 },
      worktype: { CM: 'CM', PM: 'PM', PdM: 'CM' },
      timeout: 15_000,
    });
    expect(targetSchema.parse({ id: 's', type: 'sap', url: 'https://s4', username: 'u', password: 'p' })).toMatchObject({
      servicePath: '/sap/opu/odata/sap/API_MAINTNOTIFICATION',
      notificationType: 'M1',
      technicalObjectType: 'EAMS_EQUI',
      priority: { 1: '1', 2: '2', 3: '3', 4: '4' },
    });
    expect(targetSchema.parse({ id: 'x', type: 'maintainx', apiKey: 'k' })).toMatchObject({ url: 'https://api.getmaintainx.com', lookupPages: 3, priority: { 1: 'HIGH', 2: 'HIGH', 3: 'MEDIUM', 4: 'LOW' } });
  });
  it('refuses unknown options and bad values', () => {
    expect(targetSchema.safeParse({ id: 'x', type: 'maximo', url: 'https://mx', apiKey: 'k', siteid: 'S', apikey: 'k' }).success).toBe(false);
    expect(targetSchema.safeParse({ id: 'x', type: 'maintainx', apiKey: 'k', priority: { 1: 'URGENT', 2: 'HIGH', 3: 'LOW', 4: 'NONE' } }).success).toBe(false);
    expect(targetSchema.safeParse({ id: 'x', type: 'sap', url: 'https://s4', username: 'u', password: 'p', client: '1' }).success).toBe(false);
  });
});

function update(over: Partial<OrderUpdate> = {}): OrderUpdate {
  const orderKey = idempotencyKey({ gatewayId: 'gw', siteId: 's', installId: 'i' }, 'rule', 'pump-1', 1);
  const note = over.note ?? '2026-01-01T00:00:00.000Z: Bearing hot raised, episode 2.';
  return {
    event: 'work_order.updated',
    id: 'o-1',
    orderIdempotencyKey: orderKey,
    idempotencyKey: updateKey(orderKey, 3),
    sequence: 3,
    gatewayId: 'gw',
    site: { id: 's', name: 'S' },
    asset: { id: 'pump-1', name: 'Pump 1', path: 's/a/l/pump-1' },
    priority: 2,
    previousPriority: 3,
    escalated: true,
    at: '2026-01-01T00:00:00.000Z',
    note,
    events: [{ ts: '2026-01-01T00:00:00.000Z', rule: { id: 'rule', name: 'Bearing hot', episode: 2 }, priority: 2, note, evidence: { ts: '2026-01-01T00:00:00.000Z', values: [], limits: [] } }],
    ...over,
  };
}

describe('order update text', () => {
  it('is the note, then a trailer naming the update and its key', () => {
    const u = update();
    expect(updateText(u)).toBe(`${u.note}\ncbm-gateway update 3 of ${u.orderIdempotencyKey}; key ${u.idempotencyKey}`);
    expect(updateSummary(u)).toBe('Condition update 3: Bearing hot again, priority raised to P2');
    expect(updateSummary(update({ escalated: false, events: [...u.events, ...u.events] }))).toBe('Condition update 3: 2 more alarm events');
  });

  it('cut to fit: the oldest lines go first, a line says how many, the trailer always stays', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`);
    const u = update({ note: lines.join('\n') });
    for (const max of [200, 500, 1333]) {
      const t = updateText(u, max);
      expect(t.length).toBeLessThanOrEqual(max);
      expect(t.endsWith(updateTrailer(u))).toBe(true);
      expect(t).toContain(lines.at(-1));
      expect(t).toMatch(/^\(\d+ earlier lines left out\)\n/);
    }
    // One line longer than the room is cut inside, still ending in the trailer.
    const one = updateText(update({ note: 'y'.repeat(400) }), 200);
    expect(one.length).toBeLessThanOrEqual(200);
    expect(one).toMatch(/^y+…\ncbm-gateway update 3/);
  });
});

describe('raising a priority on an update', () => {
  const map: Record<1 | 2 | 3 | 4, number> = { 1: 1, 2: 2, 3: 3, 4: 4 };
  it('only an escalation raises it', () => {
    expect(raisedPriority(update({ escalated: false, priority: 3, previousPriority: 3 }), map, 3)).toBeUndefined();
    expect(raisedPriority(update(), map, 3)).toBe(2);
    expect(raisedPriority(update(), map, undefined)).toBe(2);
  });
  it('never lowers what the CMMS holds, read back through the mapping (in either direction)', () => {
    expect(raisedPriority(update(), map, 1)).toBeUndefined();
    const reversed: Record<1 | 2 | 3 | 4, number> = { 1: 4, 2: 3, 3: 2, 4: 1 };
    expect(raisedPriority(update(), reversed, 2)).toBe(3);
    expect(raisedPriority(update(), reversed, 4)).toBeUndefined();
    expect(raisedPriority(update(), { 1: 'HIGH', 2: 'HIGH', 3: 'MEDIUM', 4: 'LOW' }, 'HIGH')).toBeUndefined();
    expect(raisedPriority<number | string>(update(), map, '3')).toBe(2); // SAP and Maximo may answer strings
  });
  it('a value outside the mapping is overwritten by the escalation', () => {
    expect(raisedPriority(update(), map, 9)).toBe(2);
  });
});
