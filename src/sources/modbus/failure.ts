import { CbmError } from '../../core/errors.js';

/**
 * Exception codes, Modbus Application Protocol v1.1b3 §7. 05 (acknowledge) and 08 (memory parity)
 * belong to programming and file-record functions, which a poller does not use.
 */
export const exceptionNames: Record<number, string> = {
  0x01: 'illegal_function',
  0x02: 'illegal_data_address',
  0x03: 'illegal_data_value',
  0x04: 'server_device_failure',
  0x05: 'acknowledge',
  0x06: 'server_device_busy',
  0x08: 'memory_parity_error',
  0x0a: 'gateway_path_unavailable',
  0x0b: 'gateway_target_failed_to_respond',
};

/** 06: "the client should retransmit the message later"; 0B: the gateway's target did not answer, may next time. */
export function retryableException(code: number): boolean {
  return code === 0x06 || code === 0x0b;
}

/** The quality reason a Bad sample carries: `modbus_exception_02_illegal_data_address`, `modbus_timeout`, … */
export function failureReason(e: CbmError): string {
  if (e.code === 'CBM_ERR_MODBUS_EXCEPTION') {
    const code = (e.details as { exception: number }).exception;
    return `modbus_exception_${code.toString(16).padStart(2, '0').toUpperCase()}_${exceptionNames[code] ?? 'unknown'}`;
  }
  if (e.code === 'CBM_ERR_MODBUS_TIMEOUT') return 'modbus_timeout';
  if (e.code === 'CBM_ERR_MODBUS_RESPONSE') return 'modbus_bad_response';
  return 'modbus_disconnected';
}

/**
 * What modbus-serial says when an answer's frame is well formed but its content is not what was
 * asked for (§6.1-6.4: byte count = 2 × N registers or ⌈N/8⌉ bytes of bits; the function code of
 * the request): a device or gateway bug, not a lost connection.
 */
const MALFORMED = /data length error|unexpected data error|crc error|out of range|byte count/i;

/** Maps what modbus-serial throws to one of our three codes. */
export function classify(e: unknown): CbmError {
  if (e instanceof CbmError) return e;
  const x = e as { modbusCode?: number; errno?: string; code?: string; message?: string };
  if (typeof x?.modbusCode === 'number') {
    const name = exceptionNames[x.modbusCode] ?? 'unknown';
    return new CbmError('CBM_ERR_MODBUS_EXCEPTION', `exception ${x.modbusCode.toString(16).padStart(2, '0').toUpperCase()} ${name.replace(/_/g, ' ')}`, {
      details: { exception: x.modbusCode },
      retryable: retryableException(x.modbusCode),
    });
  }
  if (x?.errno === 'ETIMEDOUT' || x?.message === 'Timed out') return new CbmError('CBM_ERR_MODBUS_TIMEOUT', 'no response within the timeout');
  if (e instanceof RangeError || MALFORMED.test(x?.message ?? '')) return new CbmError('CBM_ERR_MODBUS_RESPONSE', `malformed response: ${x?.message}`, { cause: e });
  return new CbmError('CBM_ERR_MODBUS_CONNECTION', x?.message || x?.code || x?.errno || String(e), { cause: e });
}
