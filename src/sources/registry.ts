import type { SourceConfig } from '../config/schema.js';
import { ModbusSource } from './modbus/source.js';
import { MqttSource } from './mqtt/source.js';
import { OpcuaSource } from './opcua/source.js';
import { SparkplugSource } from './sparkplug/source.js';
import type { Source } from './source.js';

/** Every built-in source type, in one place. */
const builtins: { [K in SourceConfig['type']]: (cfg: Extract<SourceConfig, { type: K }>) => Source } = {
  mqtt: (cfg) => new MqttSource(cfg),
  modbus: (cfg) => new ModbusSource(cfg),
  opcua: (cfg) => new OpcuaSource(cfg),
  sparkplug: (cfg) => new SparkplugSource(cfg),
};

export function createSource(cfg: SourceConfig): Source {
  const make = builtins[cfg.type] as (c: SourceConfig) => Source;
  return make(cfg);
}
