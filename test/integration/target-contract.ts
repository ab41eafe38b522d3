import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CbmError } from '../../src/core/errors.js';
import { idempotencyKey, type WorkOrder } from '../../src/workorders/model.js';
import type { WorkOrderStatus, WorkOrderTarget } from '../../src/workorders/target.js';
import { freePort } from '../helpers/servers.js';
import { updateContract, type UpdateHarness } from './target-update-contract.js';

/**
 * The one `WorkOrderTarget` contract, run against every target and its simulator (as MQTT.js
 * runs `abstract_store.ts` against every store). A harness says what its target can do; the
 * suite checks the rest the same way for all.
 */
export interface ContractHarness extends UpdateHarness {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Records the simulated CMMS holds. */
  count(): number;
  /** The CMMS's id for the record made for this key, to compare with what `send` returned. */
  recordId(key: string): string | undefined;
  /** The next create is stored, then its response is lost. */
  loseNext(): void;
  /** The next n requests are answered with `status` (HTTP targets only). */
  failNext?(n: number, status: number): void;
  /** A target on the simulator; `badCredentials` with wrong secrets; `deadPort` at a closed port. */
  target(o?: { badCredentials?: boolean; deadPort?: number }): WorkOrderTarget;
  /** A technician moves the order on in the CMMS (targets with `pollStatus`). */
  setStatus?(ref: { key: string; externalId: string | undefined }, status: Exclude<WorkOrderStatus, 'open'>, notes: string): void;
  /** Whether `send` returns the CMMS's id (MQTT has none). */
  externalIds: boolean;
  /**
   * MQTT only: the client library may redeliver an unacknowledged publish itself after it
   * reconnects, so a lost PUBACK need not surface as an error; the receiver's dedupe holds.
   */
  atLeastOnce?: boolean;
}

let seq = 0;

/** A complete work order as the engine builds it, with a fresh idempotency key. */
export function sampleOrder(over: Partial<WorkOrder> = {}): WorkOrder {
  const episode = ++seq + Math.floor(Math.random() * 1e6);
  return {
    id: `00000000-0000-4000-8000-${String(episode).padStart(12, '0')}`,
    idempotencyKey: idempotencyKey({ gatewayId: 'gw-test', siteId: 'plant', installId: 'i-1' }, 'bearing-temp-high', 'pump-101', episode),
    gatewayId: 'gw-test',
    site: { id: 'plant-a', name: 'Plant A' },
    asset: {
      id: 'pump-101',
      name: 'Cooling water pump 101',
      path: 'Plant A / Utilities / Line 1 / Cooling water pump 101',
      location: [],
      class: 'centrifugal-pump',
      serialNumber: 'SN-4471-X',
      manufacturer: 'KSB',
      model: 'Etanorm 65-200',
      criticality: 'A',
    },
    title: 'Cooling water pump 101: drive-end bearing temperature 96 °C exceeds 90 °C, inspect lubrication and alignment now',
    description: 'The drive-end bearing temperature has exceeded the alarm limit for 10 minutes.',
    priority: 2,
    type: 'PdM',
    rule: { id: 'bearing-temp-high', name: 'Bearing temperature high', episode },
    createdAt: new Date().toISOString(),
    evidence: {
      ts: new Date().toISOString(),
      values: [{ tag: 'pump-101.de_bearing_temp', value: 96, unit: '°C' }],
      limits: [{ tag: 'pump-101.de_bearing_temp', operator: 'greaterThan', limit: 90, value: 96, unit: '°C' }],
    },
    safety: ['Lock out / tag out the motor before touching the coupling'],
    parts: [{ number: 'SKF-6309-2Z', description: 'Deep groove ball bearing', quantity: 1 }],
    estimatedHours: 2.5,
    ...over,
  };
}

const signal = () => AbortSignal.timeout(20_000);

/** What the outbox does: try, and on a retryable error try again, until it lands. */
export async function deliver(t: WorkOrderTarget, o: WorkOrder, attempts = 60, pauseMs = 100): Promise<{ externalId: string | undefined; failures: CbmError[] }> {
  const failures: CbmError[] = [];
  for (let i = 0; i < attempts; i++) {
    try {
      return { ...(await t.send(o, signal())), failures };
    } catch (e) {
      if (!(e instanceof CbmError) || !e.retryable) throw e;
      failures.push(e);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  throw new Error(`not delivered after ${attempts} attempts: ${failures.at(-1)?.message}`);
}

async function rejection(p: Promise<unknown>): Promise<CbmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CbmError);
    return e as CbmError;
  }
  throw new Error('expected send to fail');
}

export function targetContract(name: string, make: () => ContractHarness): void {
  describe(`WorkOrderTarget contract: ${name}`, () => {
    const h = make();
    let t: WorkOrderTarget;
    beforeAll(async () => {
      await h.start();
      t = h.target();
    });
    afterAll(async () => {
      await t.close();
      await h.stop();
    });
    let before = 0;
    beforeEach(() => {
      before = h.count();
    });

    it('creates one order and returns the CMMS id', async () => {
      const o = sampleOrder();
      const r = await t.send(o, signal());
      expect(h.count()).toBe(before + 1);
      if (h.externalIds) expect(r.externalId).toBe(h.recordId(o.idempotencyKey));
    });

    it('sending an order again (retry after success) creates nothing new and returns the same id', async () => {
      const o = sampleOrder();
      const a = await t.send(o, signal());
      const b = await t.send(o, signal());
      expect(h.count()).toBe(before + 1);
      expect(b.externalId).toBe(a.externalId);
    });

    it('a retry after a lost response does not duplicate', async () => {
      const o = sampleOrder();
      h.loseNext();
      const first = await t.send(o, signal()).then(
        () => undefined,
        (e: unknown) => e,
      );
      // The response was lost, so the target cannot know it landed: it must say "try again".
      if (!h.atLeastOnce || first !== undefined) {
        expect(first).toBeInstanceOf(CbmError);
        expect((first as CbmError).retryable).toBe(true);
      }
      expect(h.count()).toBe(before + 1);
      const r = await deliver(t, o);
      expect(h.count()).toBe(before + 1);
      if (h.externalIds) expect(r.externalId).toBe(h.recordId(o.idempotencyKey));
    });

    it('an unreachable CMMS is retryable', async () => {
      const dead = h.target({ deadPort: await freePort() });
      const e = await rejection(dead.send(sampleOrder(), signal()));
      expect(e.code).toBe('CBM_ERR_TARGET_UNAVAILABLE');
      expect(e.retryable).toBe(true);
      await dead.close();
    });

    it('wrong credentials are rejected for good, saying so', async () => {
      const bad = h.target({ badCredentials: true });
      const e = await rejection(bad.send(sampleOrder(), signal()));
      expect(e.code).toBe('CBM_ERR_TARGET_REJECTED');
      expect(e.retryable).toBe(false);
      expect(e.message).toMatch(/401|auth|credential|password|signature/i);
      expect(h.count()).toBe(before);
      await bad.close();
    });

    if (h.failNext) {
      for (const status of [500, 502, 503, 429, 408]) {
        it(`HTTP ${status} is retryable and creates nothing; the retry lands once`, async () => {
          h.failNext!(1, status);
          const o = sampleOrder();
          const e = await rejection(t.send(o, signal()));
          expect(e.code).toBe('CBM_ERR_TARGET_UNAVAILABLE');
          expect(e.retryable).toBe(true);
          expect(e.message).toContain(String(status));
          expect(h.count()).toBe(before);
          await t.send(o, signal());
          expect(h.count()).toBe(before + 1);
        });
      }
      for (const status of [400, 404, 409, 422]) {
        it(`HTTP ${status} is rejected, not retryable`, async () => {
          h.failNext!(1, status);
          const e = await rejection(t.send(sampleOrder(), signal()));
          expect(e.code).toBe('CBM_ERR_TARGET_REJECTED');
          expect(e.retryable).toBe(false);
        });
      }
    }

    describe('order updates', () => updateContract(h, () => t));

    if (h.setStatus) {
      it('pollStatus reports a status change made in the CMMS, once', async () => {
        expect(t.pollStatus).toBeTypeOf('function');
        const a = sampleOrder();
        const b = sampleOrder();
        const ra = await t.send(a, signal());
        const rb = await t.send(b, signal());
        const open = [
          { orderId: a.id, idempotencyKey: a.idempotencyKey, externalId: ra.externalId },
          { orderId: b.id, idempotencyKey: b.idempotencyKey, externalId: rb.externalId },
        ];
        expect(await t.pollStatus!(open, signal())).toEqual([]);
        h.setStatus!({ key: a.idempotencyKey, externalId: ra.externalId }, 'in_progress', 'started');
        const first = await t.pollStatus!(open, signal());
        expect(first.map((u) => [u.idempotencyKey, u.status])).toEqual([[a.idempotencyKey, 'in_progress']]);
        h.setStatus!({ key: a.idempotencyKey, externalId: ra.externalId }, 'completed', 'Replaced DE bearing, realigned coupling');
        h.setStatus!({ key: b.idempotencyKey, externalId: rb.externalId }, 'cancelled', 'Duplicate of a manual order');
        const second = await t.pollStatus!(open, signal());
        const byKey = new Map(second.map((u) => [u.idempotencyKey, u]));
        expect(byKey.get(a.idempotencyKey)).toMatchObject({ status: 'completed', externalId: ra.externalId });
        expect(byKey.get(a.idempotencyKey)?.notes).toContain('Replaced DE bearing');
        expect(byKey.get(b.idempotencyKey)?.status).toBe('cancelled');
        expect(Number.isNaN(Date.parse(byKey.get(a.idempotencyKey)!.at))).toBe(false);
        expect(await t.pollStatus!(open, signal())).toEqual([]);
      });
    }
  });
}
