import { targetSchema } from '../../src/config/schema.js';
import { createTarget } from '../../src/workorders/targets/registry.js';
import { WebhookReceiver } from '../../simulators/cmms/webhook-receiver.js';
import { FaultProxy } from './fault-proxy.js';
import { targetContract } from './target-contract.js';

const SECRET = 'whsec-contract';

targetContract('webhook', () => {
  const receiver = new WebhookReceiver({ secret: SECRET });
  const proxy = new FaultProxy(
    () => `http://127.0.0.1:${receiver.port}`,
    () => receiver.orders.size,
  );
  return {
    start: async () => {
      await receiver.start();
      await proxy.start();
    },
    stop: async () => {
      await proxy.stop();
      await receiver.stop();
    },
    count: () => receiver.orders.size,
    recordId: (key) => receiver.orders.get(key)?.externalId,
    loseNext: () => proxy.loseNext(),
    failNext: (n, s) => proxy.failNext(n, s),
    target: (o = {}) =>
      createTarget(
        targetSchema.parse({
          id: 'webhook',
          type: 'webhook',
          url: `${o.deadPort ? `http://127.0.0.1:${o.deadPort}` : proxy.url}/work-orders`,
          secret: o.badCredentials ? 'wrong' : SECRET,
          timeout: '3s',
        }),
      ),
    externalIds: true,
    inspect: (ref) => {
      const o = receiver.orders.get(ref.key);
      return o && { priority: o.updates.at(-1)?.priority ?? o.body.priority, notes: o.updates.map((u) => `${String(u.note)}\n${String(u.idempotencyKey)}`) };
    },
    priorityValue: (p) => p,
    loseNextUpdate: () => proxy.loseNextUpdate(),
  };
});
