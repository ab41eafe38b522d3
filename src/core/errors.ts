/**
 * Every error the gateway reports has a code from this registry, as fastify's `FST_ERR_*`.
 * `retryable` says whether trying the same thing again can help (eKuiper's errorx idea); the
 * HTTP status is what the API answers with. The README lists every code; a unit test checks it.
 */
export const errorCodes = {
  CBM_ERR_CONFIG_INVALID: { status: 400, retryable: false, message: 'The site configuration is invalid' },
  CBM_ERR_CONFIG_READ: { status: 500, retryable: false, message: 'The configuration file could not be read' },
  CBM_ERR_RULE_INVALID: { status: 400, retryable: false, message: 'A rule file is invalid' },
  CBM_ERR_RULE_REJECTED: { status: 422, retryable: false, message: 'The edited rules do not load; the rule file was left as it was' },
  CBM_ERR_RULE_STALE: { status: 409, retryable: false, message: 'The rule file changed since it was read; read it again and reapply the edit' },
  CBM_ERR_RULE_WRITE: { status: 500, retryable: false, message: 'A rule file could not be written; it was left as it was' },
  CBM_ERR_PAYLOAD_MALFORMED: { status: 400, retryable: false, message: 'A telemetry payload could not be decoded' },
  CBM_ERR_TAG_UNKNOWN: { status: 404, retryable: false, message: 'A sample names a tag the site does not define' },
  CBM_ERR_TARGET_REJECTED: { status: 502, retryable: false, message: 'The work-order target refused the order permanently' },
  CBM_ERR_TARGET_UNAVAILABLE: { status: 503, retryable: true, message: 'The work-order target is unreachable or failed; the order will be retried' },
  CBM_ERR_TARGET_TIMEOUT: { status: 504, retryable: true, message: 'The work-order target did not answer in time' },
  CBM_ERR_NOT_FOUND: { status: 404, retryable: false, message: 'No such resource' },
  CBM_ERR_BAD_REQUEST: { status: 400, retryable: false, message: 'The request is invalid' },
  CBM_ERR_UNAUTHORIZED: { status: 401, retryable: false, message: 'The request is not signed with the shared secret' },
  CBM_ERR_STATE_CONFLICT: { status: 409, retryable: false, message: 'The work order is not in a state that allows this command' },
  CBM_ERR_STORE: { status: 500, retryable: false, message: 'The local SQLite store failed' },
  CBM_ERR_OPCUA_UNREACHABLE: { status: 503, retryable: true, message: 'The OPC UA server cannot be reached or the connection failed' },
  CBM_ERR_OPCUA_CERT_UNTRUSTED: { status: 502, retryable: false, message: 'The OPC UA server certificate is not trusted; trust it explicitly' },
  CBM_ERR_OPCUA_AUTH: { status: 502, retryable: false, message: 'The OPC UA server refused the user identity' },
  CBM_ERR_OPCUA_SECURITY: { status: 502, retryable: false, message: 'The OPC UA server offers no endpoint with the configured security mode and policy' },
  CBM_ERR_MODBUS_EXCEPTION: { status: 502, retryable: false, message: 'A Modbus device answered with an exception code' },
  CBM_ERR_MODBUS_TIMEOUT: { status: 504, retryable: true, message: 'A Modbus device did not answer in time' },
  CBM_ERR_MODBUS_CONNECTION: { status: 503, retryable: true, message: 'The Modbus connection could not be opened or was lost' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class CbmError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, opts: { cause?: unknown; details?: unknown; retryable?: boolean } = {}) {
    const def = errorCodes[code];
    super(message ?? def.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CbmError';
    this.code = code;
    this.retryable = opts.retryable ?? def.retryable;
    this.statusCode = def.status;
    this.details = opts.details;
  }
}

export function isCbmError(e: unknown): e is CbmError {
  return e instanceof CbmError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
