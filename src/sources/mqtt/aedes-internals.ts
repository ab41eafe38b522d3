/**
 * Every reliance on aedes's and mqtt-packet's internals, in one place.
 *
 * The embedded broker's PUBLISH fast path (fast-publish.ts) sits in front of the mqtt-packet
 * parser that aedes reads each connection with, and its QoS 0 lane does for a plain publish what
 * aedes would do, minus aedes's per-publish machinery (embedded-broker.ts). Neither aedes nor
 * mqtt-packet offers a hook for that, so this file reaches into fields they do not document. Each
 * one is listed in {@link INTERNALS} with what it is used for; they were read from the versions in
 * {@link READ_FROM}, which package.json pins exactly. `test/unit/sources/mqtt-aedes-internals.test.ts`
 * (the canary) fails naming the internal that moved, and at run time a connection whose client
 * lacks one is served by aedes alone (the lane declines, logged once), as before the fast path.
 *
 * Before upgrading aedes or mqtt-packet: read the fields below in the new version, update
 * READ_FROM and the pins together, and run the canary.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Client } from 'aedes';
import type { IClientOptions } from 'mqtt';
import mqemitter from 'mqemitter';
import { FastPublishPath, type FastPathLimits, type ParserPort, type PublishLane, type PublishPacket } from './fast-publish.js';

/** The versions the internals below were read from (package.json pins these exactly). */
export const READ_FROM = { aedes: '1.2.0', 'mqtt-packet': '9.0.2' } as const;

/** mqtt-packet's Parser (parser.js), as aedes and mqtt.js build it. */
export interface MqttPacketParser {
  parse(buf: Buffer): number;
  emit(event: 'packet' | 'error', packet: object): boolean;
  /** internal (parser.js `parser(opt)`): the options it was made with. */
  settings?: { protocolVersion?: number };
  /** internal (parser.js `_emitError`): set when a packet was malformed; null after `_resetState`. */
  error?: unknown;
}

/** The fields of an aedes Client (lib/client.js) that its typings leave out. */
interface AedesClientInternals {
  _parser: MqttPacketParser & { _queue: unknown[] | null };
  pause(): void;
  resume(): void;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
}

/** One internal the fast path needs: where it lives, what for, and how to tell it is still there. */
interface Internal {
  owner: keyof typeof READ_FROM;
  name: string;
  usedFor: string;
  present(client: Record<string, unknown>): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const parserOf = (c: Record<string, unknown>): Record<string, unknown> | undefined => (isObject(c._parser) ? c._parser : undefined);

/** Every internal, checked on a fresh aedes Client (right after `aedes.handle`, before its CONNECT). */
export const INTERNALS: readonly Internal[] = [
  {
    owner: 'aedes',
    name: 'Client._parser',
    usedFor: "the mqtt-packet parser aedes reads the connection with (lib/client.js constructor); the fast path takes over its parse()",
    present: (c) => typeof parserOf(c)?.parse === 'function' && typeof parserOf(c)?.emit === 'function',
  },
  {
    owner: 'aedes',
    name: 'Client._parser._queue',
    usedFor: 'packets aedes holds back until the CONNACK (lib/client.js enqueue/dequeue), null once replayed; the lane waits for null to keep the order',
    present: (c) => Array.isArray(parserOf(c)?._queue),
  },
  {
    owner: 'aedes',
    name: 'Client._keepaliveInterval',
    usedFor: 'the keep-alive period aedes set from CONNECT (lib/handlers/connect.js setKeepAlive, -1 before); the lane refreshes the timer when it is > 0',
    present: (c) => typeof c._keepaliveInterval === 'number',
  },
  {
    owner: 'aedes',
    name: 'Client._keepaliveTimer',
    usedFor: 'the timer aedes refreshes for every packet it handles (lib/handlers/index.js); the lane does the same for the packets it takes',
    present: (c) => '_keepaliveTimer' in c && (c._keepaliveTimer === null || typeof (c._keepaliveTimer as { refresh?: unknown }).refresh === 'function'),
  },
  {
    owner: 'aedes',
    name: 'Client.pause',
    usedFor: 'stops aedes reading the connection (lib/client.js; aedes pauses during authentication); the message-rate limit pauses a client out of budget',
    present: (c) => typeof c.pause === 'function' && typeof c.resume === 'function',
  },
  {
    owner: 'mqtt-packet',
    name: 'Parser.settings',
    usedFor: 'the options the parser was made with (parser.js); MQTT 5 parsers keep mqtt-packet\'s own path',
    present: (c) => isObject(parserOf(c)?.settings),
  },
  {
    owner: 'mqtt-packet',
    name: 'Parser.error',
    usedFor: 'set by parser.js _emitError on a malformed packet (null otherwise); the fast path then stops reading that chunk, as mqtt-packet does',
    present: (c) => parserOf(c) !== undefined && 'error' in parserOf(c)! && parserOf(c)!.error === null,
  },
];

/** The internals `client` lacks, each as a sentence naming it, its use and the version it was read from. */
export function missingInternals(client: unknown): string[] {
  const c = isObject(client) ? client : {};
  return INTERNALS.filter((i) => !i.present(c)).map((i) => `${i.owner} internal ${i.name} moved (read from ${i.owner} ${READ_FROM[i.owner]}; used for ${i.usedFor})`);
}

/**
 * The installed aedes and mqtt-packet versions that differ from {@link READ_FROM}, as sentences
 * (package.json pins them; a differing install means the pins were changed without re-reading).
 */
export function versionDrift(): string[] {
  const req = createRequire(import.meta.url);
  return (Object.keys(READ_FROM) as (keyof typeof READ_FROM)[]).flatMap((name) => {
    let installed: string;
    try {
      // Both packages keep their entry point at the top of the package folder.
      installed = (JSON.parse(readFileSync(join(dirname(req.resolve(name)), 'package.json'), 'utf8')) as { version: string }).version;
    } catch (e) {
      return [`${name}: cannot read its installed version (${(e as Error).message})`];
    }
    return installed === READ_FROM[name] ? [] : [`${name} ${installed} is installed; the internals in aedes-internals.ts were read from ${READ_FROM[name]}`];
  });
}

/** The fast path's handles on one aedes connection. */
export interface ConnectionHooks {
  /** True once aedes has sent the CONNACK and replayed what came before it: the lane may take publishes. */
  open(): boolean;
  /** What aedes does for every packet it handles (lib/handlers/index.js): refresh the keep-alive timer. */
  touch(): void;
  /** The connection's fast path (its read state, and refusing it: aedes then closes the connection). */
  readonly path: FastPublishPath;
  /** Stops / restarts aedes reading the connection (Client.pause/resume, lib/client.js). */
  pause(): void;
  resume(): void;
}

/**
 * Puts the fast path in front of `client`'s parser, with `lane` for plain QoS 0 publishes.
 * Undefined, and the connection left to aedes alone, when an internal it needs has moved:
 * `moved` gets the list (for a warning logged once).
 */
export function hookConnection(
  client: Client,
  lane: (hooks: Pick<ConnectionHooks, 'open' | 'touch'>) => PublishLane,
  moved: (problems: string[]) => void,
  limits?: FastPathLimits,
): ConnectionHooks | undefined {
  const problems = missingInternals(client);
  if (problems.length > 0) {
    moved(problems);
    return undefined;
  }
  const c = client as unknown as Client & AedesClientInternals;
  const parser = c._parser;
  const hooks = {
    // `connected` is public; aedes sets it once CONNACK went out, just before it replays its queue.
    open: () => c.connected && parser._queue === null,
    touch: () => {
      if (c._keepaliveInterval > 0) c._keepaliveTimer?.refresh();
    },
  };
  return { ...hooks, path: installFastPath(parser, lane(hooks), limits), pause: () => c.pause(), resume: () => c.resume() };
}

const installed = new WeakMap<MqttPacketParser, FastPublishPath>();

/** Replaces an mqtt-packet parser's `parse` by the fast path (once; a later call only sets the lane). */
export function installFastPath(parser: MqttPacketParser, lane?: PublishLane, limits?: FastPathLimits): FastPublishPath {
  const had = installed.get(parser);
  if (had) {
    if (lane) had.lane = lane;
    return had;
  }
  const original = parser.parse.bind(parser);
  const port: ParserPort = {
    parse: (buf) => void original(buf),
    emit: (packet: PublishPacket) => void parser.emit('packet', packet),
    failed: () => (parser.error ? (parser.error as Error) : undefined),
    // What parser.js _emitError does; aedes closes the connection on it.
    fail: (err) => void parser.emit('error', err),
  };
  const fast = new FastPublishPath(port, lane, limits);
  installed.set(parser, fast);
  parser.parse = (chunk) => (parser.settings?.protocolVersion === 5 ? original(chunk) : fast.parse(chunk));
  return fast;
}

/** Marks mqtt.js options whose parser takes the fast path (see {@link useFastPublishParsers}). */
const FAST_PARSER = Symbol.for('cbm-gateway.fastPublishParser');

/**
 * mqtt.js builds its parser inside `connect()` (again on every reconnect) through mqtt-packet's
 * `parser(options)` factory, passing the client's options, with no hook to reach it. This wraps
 * that factory (once per process) so that the parsers made with options from {@link fastParserOptions}
 * take the fast path; every other parser in the process (aedes's, a work-order target's client)
 * is left as mqtt-packet makes it. mqtt.js copies the options it is given with a spread, which
 * keeps the symbol (read from mqtt 5.16.0, lib/connect/index.ts).
 */
export function fastParserOptions(options: IClientOptions): IClientOptions {
  useFastPublishParsers();
  return Object.assign(options, { [FAST_PARSER]: true });
}

function useFastPublishParsers(): void {
  const mod = createRequire(import.meta.url)('mqtt-packet') as { parser: (opts?: object) => MqttPacketParser; [FAST_PARSER]?: boolean };
  if (mod[FAST_PARSER]) return;
  const make = mod.parser;
  mod.parser = (opts?: object) => {
    const p = make(opts);
    if (opts && (opts as Record<symbol, unknown>)[FAST_PARSER]) installFastPath(p);
    return p;
  };
  mod[FAST_PARSER] = true;
}

/** The message bus aedes is given through its documented `mq` option, and whether anyone subscribed. */
export interface GatedBus {
  mq: mqemitter.MQEmitter;
  /** True once a client subscribed to a topic outside `$SYS`; from then on every publish fans out. */
  readonly subscribed: boolean;
}

/**
 * Until a client subscribes to a topic outside `$SYS`, no subscriber can receive what sensors
 * publish (filters starting with `#` or `+` do not match `$` topics [MQTT-4.7.2-1]), so aedes's
 * fan-out (a topic-trie match and a parallel dispatch per message) is skipped. Everything else a
 * publish does still happens: retained messages are stored, QoS 1/2 messages are queued for
 * offline persistent sessions, `published` hooks run. Once a client subscribes, every publish fans
 * out again, for good (no count of unsubscriptions to get wrong).
 *
 * aedes takes the bus through its documented `mq` option; that it calls `on` for every
 * subscription and `emit` for every publish (aedes.js subscribe/publish) is read from aedes 1.2.0.
 * The bus is mqemitter, built with the options aedes would give it.
 */
export function gatedBus(concurrency = 100): GatedBus {
  const mq = mqemitter({ concurrency, matchEmptyLevels: true }); // [MQTT-4.7.1-3], as aedes builds it
  const state = { subscribed: false };
  const on = mq.on.bind(mq);
  const emit = mq.emit.bind(mq);
  mq.on = (topic, listener, cb) => {
    if (!topic.startsWith('$')) state.subscribed = true;
    on(topic, listener, cb);
    return mq;
  };
  mq.emit = (message, cb) => {
    if (state.subscribed || message.topic.startsWith('$')) return emit(message, cb);
    cb?.();
  };
  return {
    mq,
    get subscribed() {
      return state.subscribed;
    },
  };
}
