/**
 * The Modbus simulator's register map: the single source for the server, the README table and
 * the demo config. Addresses are 0-based protocol (PDU) addresses; a 1-based tool such as mbpoll
 * (without `-0`) or a "40001" style manual adds one. Any unit id is answered.
 *
 * | table            | address | signal                          | type    | order | scale | unit |
 * | ---------------- | ------- | ------------------------------- | ------- | ----- | ----- | ---- |
 * | holding (FC03)   | 0–1     | c-201 discharge_pressure        | float32 | ABCD  |       | bar  |
 * | holding          | 2–3     | c-201 discharge_temp            | float32 | CDAB  |       | degC |
 * | holding          | 4–5     | c-201 motor_current             | float32 | ABCD  |       | A    |
 * | holding          | 6       | c-201 vibration                 | uint16  |       | 0.01  | mm/s |
 * | holding          | 7       | c-201 status word (bit 0 running, bit 1 loaded) | uint16 | |   |      |
 * | holding          | 8–9     | c-201 hour_meter (controller)   | uint32  | CDAB  | 0.1   | h    |
 * | holding          | 10–17   | c-201 model, 16 ASCII chars     | string  | ABCD  |       |      |
 * | holding          | 100–123 | fixed test pattern (below)      |         |       |       |      |
 * | holding          | 1000–9999 | bench area: register n holds n | uint16 |      |       |      |
 * | input (FC04)     | 0–7     | p-101 bearing_temp, vibration, motor_current, flow | float32 ×4 | CDAB | | |
 * | input            | 10–17   | p-102, same layout              | float32 | CDAB  |       |      |
 * | coils (FC01)     | 0, 1    | c-201 running, loaded           | bool    |       |       |      |
 * | coils            | 2, 3    | p-101 running, p-102 running    | bool    |       |       |      |
 * | discrete (FC02)  | 0       | c-201 high discharge temperature switch (> 100 °C) | bool | | | |
 *
 * Anything else answers exception 02 (illegal data address), as a real device would.
 */
export type SimTable = 'holding' | 'input' | 'coil' | 'discrete';
export type SimType = 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64' | 'string';
export type SimOrder = 'ABCD' | 'CDAB';

export interface SimRegister {
  table: SimTable;
  address: number;
  /** `<asset>/<signal>` for live signals, `test/<name>` for the fixed pattern. */
  signal: string;
  type: SimType | 'bool';
  order?: SimOrder;
  /** Raw = value / scale (the master multiplies by scale). */
  scale?: number;
  unit?: string;
  /** Characters, for strings. */
  length?: number;
  /** Fixed value (test pattern); live signals come from the plant model. */
  fixed?: number | string;
}

export const HOLDING_SIZE = 10_000;
export const INPUT_SIZE = 20;
export const COIL_SIZE = 4;
export const DISCRETE_SIZE = 1;
export const BENCH_START = 1000;

export const registerMap: SimRegister[] = [
  { table: 'holding', address: 0, signal: 'c-201/discharge_pressure', type: 'float32', order: 'ABCD', unit: 'bar' },
  { table: 'holding', address: 2, signal: 'c-201/discharge_temp', type: 'float32', order: 'CDAB', unit: 'degC' },
  { table: 'holding', address: 4, signal: 'c-201/motor_current', type: 'float32', order: 'ABCD', unit: 'A' },
  { table: 'holding', address: 6, signal: 'c-201/vibration', type: 'uint16', scale: 0.01, unit: 'mm/s' },
  { table: 'holding', address: 7, signal: 'c-201/status', type: 'uint16' },
  { table: 'holding', address: 8, signal: 'c-201/hour_meter', type: 'uint32', order: 'CDAB', scale: 0.1, unit: 'h' },
  { table: 'holding', address: 10, signal: 'c-201/model', type: 'string', order: 'ABCD', length: 16, fixed: 'GA37 VSD C-201' },
  // Test pattern: constants a master can check its decoding against (see README, mbpoll test).
  { table: 'holding', address: 100, signal: 'test/uint16', type: 'uint16', fixed: 12345 },
  { table: 'holding', address: 101, signal: 'test/int16', type: 'int16', fixed: -1234 },
  { table: 'holding', address: 102, signal: 'test/float32_abcd', type: 'float32', order: 'ABCD', fixed: 123.456 },
  { table: 'holding', address: 104, signal: 'test/float32_cdab', type: 'float32', order: 'CDAB', fixed: -273.15 },
  { table: 'holding', address: 106, signal: 'test/int32_abcd', type: 'int32', order: 'ABCD', fixed: -123456789 },
  { table: 'holding', address: 108, signal: 'test/int32_cdab', type: 'int32', order: 'CDAB', fixed: 987654321 },
  { table: 'holding', address: 110, signal: 'test/uint32_abcd', type: 'uint32', order: 'ABCD', fixed: 3_000_000_000 },
  { table: 'holding', address: 112, signal: 'test/float64_abcd', type: 'float64', order: 'ABCD', fixed: 6.02214076e23 },
  { table: 'holding', address: 116, signal: 'test/string', type: 'string', order: 'ABCD', length: 16, fixed: 'CBM-GATEWAY SIM' },
  ...(['p-101', 'p-102'] as const).flatMap((p, i) =>
    (['bearing_temp', 'vibration', 'motor_current', 'flow'] as const).map(
      (s, j): SimRegister => ({ table: 'input', address: i * 10 + j * 2, signal: `${p}/${s}`, type: 'float32', order: 'CDAB', unit: { bearing_temp: 'degC', vibration: 'mm/s', motor_current: 'A', flow: 'm3/h' }[s] }),
    ),
  ),
  { table: 'coil', address: 0, signal: 'c-201/running', type: 'bool' },
  { table: 'coil', address: 1, signal: 'c-201/loaded', type: 'bool' },
  { table: 'coil', address: 2, signal: 'p-101/running', type: 'bool' },
  { table: 'coil', address: 3, signal: 'p-102/running', type: 'bool' },
  { table: 'discrete', address: 0, signal: 'c-201/high_temp_switch', type: 'bool' },
];
