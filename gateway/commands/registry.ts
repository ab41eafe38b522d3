import type { Command } from './command.js';
import { outboxCommands } from './outbox.js';
import { modbusProbeCommand } from './modbus-probe.js';
import { mqttHashCommand } from './mqtt-hash.js';
import { opcuaBrowseCommand } from './opcua-browse.js';
import { opcuaTrustCommand } from './opcua-trust.js';
import { rulesCheckCommand, rulesTestCommand } from './rules.js';
import { schemasCommand } from './schemas.js';
import { startCommand } from './start.js';
import { accessCommands } from './users.js';
import { validateCommand } from './validate.js';

/** Every `cbm-gateway` command, in one place. */
export const commands: Command[] = [startCommand, validateCommand, rulesCheckCommand, rulesTestCommand, opcuaBrowseCommand, opcuaTrustCommand, modbusProbeCommand, mqttHashCommand, ...outboxCommands, ...accessCommands, schemasCommand];
