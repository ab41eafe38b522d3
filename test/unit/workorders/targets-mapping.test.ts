import { describe, expect, it } from 'vitest';
import { targetSchema } from '../../../src/config/schema.js';
import { CbmError } from '../../../src/core/errors.js';
import { idempotencyKey } from '../../../src/workorders/model.js';
import { failOn, ResponseHeaders } from '../../../src/workorders/targets/http.js';
import { maintainxMessage, maintainxStatus } from '../../../src/workorders/targets/maintainx.js';
import { maximoMessage, maximoStatus } from '../../../src/workorders/targets/maximo.js';
import { odataMessage, sapReference, sapStatus } from '../../../src/workorders/targets/sap.js';

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
    const k = idempotencyKey('gw', 'rule', 'asset', 7);
    expect(sapReference(k)).toMatch(/^CBM[0-9A-F]{17}$/);
    expect(sapReference(k)).toBe(sapReference(k));
    expect(sapReference(idempotencyKey('gw', 'rule', 'asset', 8))).not.toBe(sapReference(k));
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
