import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CbmError } from '../../src/core/errors.js';
import { failOn, request } from '../../src/workorders/targets/http.js';

/** The CMMS targets' HTTP plumbing against a real server: deadline, abort, headers, kept-alive connections, redirects. */
describe('target HTTP requests', () => {
  let server: Server;
  let base = '';
  let connections = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (req.url === '/hang') return; // accepts, never answers
        if (req.url === '/moved') return res.writeHead(301, { location: 'https://cmms.example/api/v2' }).end();
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] ?? null, ünïcode: '温度' }));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the body with its length, reads the answer and every header, and keeps the connection', async () => {
    const before = connections;
    const signal = new AbortController().signal;
    const a = await request('t', `${base}/wo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":"é"}' }, 5000, signal);
    const b = await request('t', `${base}/wo`, { method: 'GET', headers: {} }, 5000, signal);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toEqual({ method: 'POST', body: '{"x":"é"}', length: '10', ünïcode: '温度' });
    expect(JSON.parse(b.text)).toMatchObject({ method: 'GET', body: '', length: null });
    expect(a.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(connections - before).toBe(1);
  });

  it('gives up at the deadline as a retryable timeout', async () => {
    const e = await request('t', `${base}/hang`, { method: 'GET', headers: {} }, 200, new AbortController().signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CbmError);
    expect(e).toMatchObject({ code: 'CBM_ERR_TARGET_TIMEOUT', retryable: true, message: 't: no answer within 200 ms' });
  });

  it('stops when the dispatcher aborts, and refuses a scheme it cannot speak', async () => {
    const ac = new AbortController();
    const p = request('t', `${base}/hang`, { method: 'GET', headers: {} }, 10_000, ac.signal).catch((x: unknown) => x);
    setTimeout(() => ac.abort(), 50);
    expect(await p).toMatchObject({ code: 'CBM_ERR_TARGET_UNAVAILABLE', message: 't: This operation was aborted' });
    const e = await request('t', 'ftp://127.0.0.1/x', { method: 'GET', headers: {} }, 1000, ac.signal).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CBM_ERR_TARGET_REJECTED' });
  });

  it('does not follow a redirect: the URL is wrong, and the error says where it points', async () => {
    const r = await request('t', `${base}/moved`, { method: 'POST', headers: {}, body: '{}' }, 5000, new AbortController().signal);
    expect(r.status).toBe(301);
    expect(() => failOn('t', r, () => undefined)).toThrow(expect.objectContaining({ code: 'CBM_ERR_TARGET_REJECTED', message: expect.stringContaining('https://cmms.example/api/v2') }));
  });
});
