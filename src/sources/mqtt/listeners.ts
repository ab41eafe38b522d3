import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';

/** The broker's TLS listener (mqtts) and, optionally, MQTT over WebSocket over TLS. */
export interface TlsListener {
  port: number;
  cert: Buffer;
  key: Buffer;
  passphrase?: string | undefined;
  /** CA bundle that signs client certificates. */
  ca?: Buffer | undefined;
  clientCertificates: 'none' | 'request' | 'require';
  websocketPort?: number | undefined;
}

export interface ListenerOptions {
  host: string;
  /** Plain TCP; false: none. */
  port: number | false;
  tls?: TlsListener | undefined;
  /** Connections open at once over all listeners; past it a new one is closed at once. */
  maxConnections: number;
  /** Largest WebSocket message accepted (a packet may span messages; the broker's own limit applies too). */
  maxPayload: number;
}

/** The ports the listeners bound (resolved when configured as 0). */
export interface Ports {
  mqtt?: number;
  mqtts?: number;
  wss?: number;
}

export interface Listeners {
  ports: Ports;
  close(): Promise<void>;
}

/**
 * Opens the broker's listeners. `accept` gets every connection within `maxConnections` (with the
 * HTTP upgrade request for WebSocket ones); `overLimit` is told of each one closed for the limit.
 */
export async function openListeners(o: ListenerOptions, accept: (conn: Duplex, req?: IncomingMessage) => void, overLimit: (address: string) => void): Promise<Listeners> {
  let open = 0;
  /** Counts `socket` against the limit; false (and the socket closed) when it is over. */
  const admit = (socket: Socket): boolean => {
    if (open >= o.maxConnections) {
      overLimit(`${socket.remoteAddress}`);
      socket.destroy();
      return false;
    }
    open++;
    socket.once('close', () => open--);
    return true;
  };
  const servers: { close(cb: () => void): void }[] = [];
  const ports: Ports = {};
  const listen = async (server: Server, port: number): Promise<number> => {
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    return typeof a === 'object' && a ? a.port : port;
  };
  try {
    if (o.port !== false) {
      ports.mqtt = await listen(
        createServer((s) => admit(s) && accept(s)),
        o.port,
      );
    }
    const t = o.tls;
    if (t) {
      const secure = {
        cert: t.cert,
        key: t.key,
        passphrase: t.passphrase,
        ca: t.ca,
        requestCert: t.clientCertificates !== 'none',
        // `request`: a client without a (valid) certificate still connects, and signs in otherwise.
        rejectUnauthorized: t.clientCertificates === 'require',
        minVersion: 'TLSv1.2' as const,
      };
      // Counted from the TCP connection on ('connection'), so a handshake flood meets the limit too.
      const tls = createTlsServer(secure, (s) => accept(s));
      tls.on('connection', (s: Socket) => void admit(s));
      ports.mqtts = await listen(tls as unknown as Server, t.port);
      if (t.websocketPort !== undefined) {
        const https = createHttpsServer(secure);
        https.on('connection', (s: Socket) => void admit(s));
        const wss = new WebSocketServer({ server: https, maxPayload: o.maxPayload });
        wss.on('connection', (ws, req) => accept(createWebSocketStream(ws), req));
        servers.push(wss);
        ports.wss = await listen(https as unknown as Server, t.websocketPort);
      }
    }
  } catch (e) {
    await closeAll(servers);
    throw e;
  }
  return { ports, close: () => closeAll(servers) };
}

async function closeAll(servers: { close(cb: () => void): void }[]): Promise<void> {
  for (const s of servers.reverse()) await new Promise<void>((r) => s.close(() => r()));
}

/** The subject CN of the client certificate the TLS layer verified for `conn` (or its WebSocket's request). */
export function verifiedCertificateName(conn: unknown, req: IncomingMessage | undefined): string | undefined {
  const sock = conn instanceof TLSSocket ? conn : req?.socket instanceof TLSSocket ? req.socket : undefined;
  if (!sock?.authorized) return undefined;
  const cn = sock.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}
