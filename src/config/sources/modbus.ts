import { z } from 'zod';
import { duration, id } from '../primitives.js';

/**
 * Modbus TCP / RTU master source: devices (a TCP endpoint or a serial line plus a unit id),
 * each with points read on a poll schedule. Defaults follow Kepware's Modbus driver (1 s request
 * timeout, 0-based addresses, big-endian ABCD) and the protocol limits of the Modbus Application
 * Protocol v1.1b3 (§6.1–6.4: 2000 coils/inputs, 125 registers per read).
 */

/** The four read functions: FC01 coils, FC02 discrete inputs, FC03 holding, FC04 input registers. */
export const modbusFunctions = ['coil', 'discrete', 'holding', 'input'] as const;
export const modbusTypes = ['bool', 'bit', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string'] as const;
/**
 * Byte order of a multi-register value, letters naming the bytes of the big-endian value:
 * ABCD = high word first, high byte first (the spec's own §4.2 big-endian), CDAB = word swap,
 * BADC = byte swap, DCBA = both (little-endian). For 64-bit values the word order extends to all four words.
 */
export const byteOrders = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;

const point = z
  .object({
    /** Tag id on the asset. */
    tag: id,
    /** Asset id; defaults to the group's or device's `asset`. */
    asset: id.optional(),
    function: z.enum(modbusFunctions, { message: `expected function ${modbusFunctions.join(' | ')}` }),
    /** Protocol (PDU) address, 0-based unless the device sets `addressBase: 1`. */
    address: z.number({ message: 'expected a register/coil address (number)' }).int('expected a whole-number address').min(0, 'expected an address >= 0').max(65536, 'expected an address <= 65535'),
    /** Data type; defaults to `bool` for coil/discrete and `uint16` for registers. */
    type: z.enum(modbusTypes, { message: `expected type ${modbusTypes.join(' | ')}` }).optional(),
    /** Bit 0 (least significant) to 15 of the register, for `type: bit`. */
    bit: z.number().int().min(0).max(15).optional(),
    /** Characters of a `string` point (two per register). */
    length: z.number().int().min(1).max(250).optional(),
    order: z.enum(byteOrders, { message: `expected order ${byteOrders.join(' | ')}` }).optional(),
    /** value = raw × scale + offset (numeric types only). */
    scale: z.number().default(1),
    offset: z.number().default(0),
    /** Engineering unit after scaling; documentation, the asset's tag carries the unit the rules see. */
    unit: z.string().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const bits = p.function === 'coil' || p.function === 'discrete';
    const type = p.type ?? (bits ? 'bool' : 'uint16');
    if (bits && type !== 'bool') ctx.addIssue({ code: 'custom', path: ['type'], message: `expected type bool for function ${p.function} (coils and discrete inputs are single bits)` });
    if (!bits && type === 'bool') ctx.addIssue({ code: 'custom', path: ['type'], message: 'expected type bit (with `bit: 0-15`) to read one bit of a register; bool is for coil/discrete' });
    if (type === 'bit' && p.bit === undefined) ctx.addIssue({ code: 'custom', path: ['bit'], message: 'expected `bit: 0-15` for type bit' });
    if (type !== 'bit' && p.bit !== undefined) ctx.addIssue({ code: 'custom', path: ['bit'], message: '`bit` applies only to type bit' });
    if (type === 'string' && p.length === undefined) ctx.addIssue({ code: 'custom', path: ['length'], message: 'expected `length` (characters) for type string' });
    if (type !== 'string' && p.length !== undefined) ctx.addIssue({ code: 'custom', path: ['length'], message: '`length` applies only to type string' });
  });

const group = z
  .object({
    id,
    /** Overrides the device's poll interval for these points. */
    pollInterval: duration.optional(),
    asset: id.optional(),
    points: z.array(point).min(1, 'expected at least one point'),
  })
  .strict();

const serial = z
  .object({
    /** Serial device, e.g. `/dev/ttyUSB0` or `COM3`. */
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    parity: z.enum(['none', 'even', 'odd'], { message: 'expected parity none | even | odd' }).default('even'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  })
  .strict();

const device = z
  .object({
    id,
    /** `tcp` (Modbus TCP, MBAP header) or `rtu` (serial line, CRC-16). */
    transport: z.enum(['tcp', 'rtu'], { message: 'expected transport tcp | rtu' }).default('tcp'),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(502),
    /** Serial line settings for `transport: rtu`. Modbus over Serial Line v1.02 §2.5.1 defaults to even parity. */
    serial: serial.optional(),
    /** Unit identifier (slave address), 1–247 on serial lines; 255 or 1 for most TCP devices. */
    unitId: z.number().int().min(0).max(255).default(1),
    /** Default asset for points that name none. */
    asset: id.optional(),
    pollInterval: duration.default(1000),
    /** Time to wait for one response. */
    timeout: duration.default(1000),
    /** Extra attempts after a timeout or a busy (06) / gateway-target (0B) exception, before the device counts as down. */
    retries: z.number().int().min(0).max(10).default(2),
    /** Time to wait for a TCP connection or the serial port to open. */
    connectTimeout: duration.default(3000),
    /** Reconnect delays after the device went down: doubles from `initialDelay` up to `maxDelay`, forever. */
    reconnect: z
      .object({ initialDelay: duration.default(1000), maxDelay: duration.default(30_000) })
      .strict()
      .default({ initialDelay: 1000, maxDelay: 30_000 }),
    /** 1 = addresses in the config are 1-based (register 1 is PDU address 0), as many manuals print them. */
    addressBase: z.union([z.literal(0), z.literal(1)]).default(0),
    /** Default byte order for multi-register values. */
    order: z.enum(byteOrders).default('ABCD'),
    /** Coalesced reads: neighbouring points share one request. */
    coalesce: z
      .object({
        enabled: z.boolean().default(true),
        /** Unused registers a request may span to join two points (bits: 16× this). */
        maxGap: z.number().int().min(0).max(124).default(16),
        /** Registers per request; 125 is the FC03/FC04 limit (§6.3, §6.4), some devices take fewer. */
        maxRegisters: z.number().int().min(1).max(125).default(125),
        /** Coils/inputs per request; 2000 is the FC01/FC02 limit (§6.1, §6.2). */
        maxBits: z.number().int().min(1).max(2000).default(2000),
      })
      .strict()
      .default({ enabled: true, maxGap: 16, maxRegisters: 125, maxBits: 2000 }),
    points: z.array(point).default([]),
    groups: z.array(group).default([]),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.transport === 'tcp' && !d.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'expected `host` for transport tcp' });
    if (d.transport === 'rtu' && !d.serial) ctx.addIssue({ code: 'custom', path: ['serial'], message: 'expected `serial: { path, baudRate, parity }` for transport rtu' });
    if (d.points.length === 0 && d.groups.length === 0) ctx.addIssue({ code: 'custom', path: ['points'], message: 'expected at least one point (in `points` or `groups`)' });
    const check = (p: z.output<typeof point>, path: (string | number)[], groupAsset?: string) => {
      if (!p.asset && !groupAsset && !d.asset) ctx.addIssue({ code: 'custom', path: [...path, 'asset'], message: 'expected `asset` on the point, its group or the device' });
      if (d.addressBase === 1 && p.address === 0) ctx.addIssue({ code: 'custom', path: [...path, 'address'], message: 'expected an address >= 1 with `addressBase: 1`' });
      if (d.addressBase === 0 && p.address > 65535) ctx.addIssue({ code: 'custom', path: [...path, 'address'], message: 'expected an address <= 65535' });
    };
    d.points.forEach((p, i) => check(p, ['points', i]));
    d.groups.forEach((g, gi) => g.points.forEach((p, i) => check(p, ['groups', gi, 'points', i], g.asset)));
  });

export const modbusSource = z
  .object({
    id,
    type: z.literal('modbus'),
    enabled: z.boolean().default(true),
    devices: z.array(device).min(1, 'expected at least one device'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    const tags = new Map<string, string>();
    s.devices.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id "${d.id}"` });
      seen.add(d.id);
      // Two points feeding one tag would interleave two signals into one series.
      const mark = (asset: string | undefined, tag: string, path: (string | number)[]) => {
        if (!asset) return;
        const key = `${asset}/${tag}`;
        const first = tags.get(key);
        if (first) ctx.addIssue({ code: 'custom', path, message: `tag "${key}" is already read by ${first}` });
        else tags.set(key, path.join('.'));
      };
      d.points.forEach((p, j) => mark(p.asset ?? d.asset, p.tag, ['devices', i, 'points', j, 'tag']));
      d.groups.forEach((g, gi) => g.points.forEach((p, j) => mark(p.asset ?? g.asset ?? d.asset, p.tag, ['devices', i, 'groups', gi, 'points', j, 'tag'])));
    });
  });

export type ModbusSourceConfig = z.output<typeof modbusSource>;
export type ModbusDeviceConfig = ModbusSourceConfig['devices'][number];
export type ModbusPointConfig = ModbusDeviceConfig['points'][number];
export type ModbusFunction = (typeof modbusFunctions)[number];
export type ModbusType = (typeof modbusTypes)[number];
export type ByteOrder = (typeof byteOrders)[number];
export type ModbusSourceInput = z.input<typeof modbusSource>;
export type ModbusPointInput = NonNullable<ModbusSourceInput['devices'][number]['points']>[number];
