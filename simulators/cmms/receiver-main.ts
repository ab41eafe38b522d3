import { parseArgs } from 'node:util';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * `node dist/simulators/cmms/receiver-main.js --port 8081 --secret S [--state FILE]`: prints each
 * work order it receives; with `--state`, keeps its numbering across restarts.
 */
const { values } = parseArgs({
  options: { port: { type: 'string', default: '8081' }, secret: { type: 'string' }, state: { type: 'string' } },
});

const rx = new WebhookReceiver({
  secret: values.secret ?? process.env.CBM_WEBHOOK_SECRET,
  ...(values.state ? { stateFile: values.state } : {}),
  onOrder: (o) => {
    const b = o.body as { title?: string; priority?: number; asset?: { name?: string; path?: string }; description?: string; safety?: string[]; parts?: { number: string; quantity: number }[] };
    process.stdout.write(
      [
        '',
        `==> WORK ORDER ${o.externalId} received (Idempotency-Key ${o.key})`,
        `    priority ${b.priority}  asset ${b.asset?.name} (${b.asset?.path})`,
        `    ${b.title}`,
        ...(b.description ? [`    ${b.description.split('\n').join('\n    ')}`] : []),
        ...(b.safety?.length ? [`    safety: ${b.safety.join('; ')}`] : []),
        ...(b.parts?.length ? [`    parts: ${b.parts.map((p) => `${p.quantity} × ${p.number}`).join(', ')}`] : []),
        '',
      ].join('\n') + '\n',
    );
  },
});
const port = await rx.start(Number(values.port));
process.stdout.write(`CMMS webhook receiver listening on http://127.0.0.1:${port}/work-orders${values.secret ?? process.env.CBM_WEBHOOK_SECRET ? ' (signature required)' : ''}\n`);
const stop = () => void rx.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
