import { redactText } from './redact.js';

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
  CBM_ERR_UNAUTHORIZED: { status: 401, retryable: false, message: 'The request carries no valid credentials: a login session, an API token, or the status endpoint\'s signature' },
  CBM_ERR_NO_USERS: { status: 401, retryable: false, message: 'No users exist yet; add the first admin with `cbm-gateway users add --role admin`' },
  CBM_ERR_LOGIN_FAILED: { status: 401, retryable: false, message: 'Unknown user or wrong password' },
  CBM_ERR_FORBIDDEN: { status: 403, retryable: false, message: 'The role of the user or token does not allow this request' },
  CBM_ERR_CSRF: { status: 403, retryable: false, message: 'A command came from a page of another site, or a login session\'s command lacks its X-CSRF-Token' },
  CBM_ERR_HOST_NOT_ALLOWED: { status: 403, retryable: false, message: 'The Host header names none of the API\'s configured host names (api.hosts)' },
  CBM_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'A command\'s body must be JSON: Content-Type: application/json' },
  CBM_ERR_BODY_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is larger than api.bodyLimit' },
  CBM_ERR_RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests; try again after the time in Retry-After' },
  CBM_ERR_STATE_CONFLICT: { status: 409, retryable: false, message: 'The work order is not in a state that allows this command' },
  CBM_ERR_ALREADY_EXISTS: { status: 409, retryable: false, message: 'A user or token of that name exists already' },
  CBM_ERR_INTERNAL: { status: 500, retryable: false, message: 'An unexpected failure; the gateway log has the details' },
  CBM_ERR_STORE: { status: 500, retryable: false, message: 'The local SQLite store failed' },
  CBM_ERR_OPCUA_UNREACHABLE: { status: 503, retryable: true, message: 'The OPC UA server cannot be reached or the connection failed' },
  CBM_ERR_OPCUA_CERT_UNTRUSTED: { status: 502, retryable: false, message: 'The OPC UA server certificate is not trusted; trust it explicitly' },
  CBM_ERR_OPCUA_AUTH: { status: 502, retryable: false, message: 'The OPC UA server refused the user identity' },
  CBM_ERR_OPCUA_SECURITY: { status: 502, retryable: false, message: 'The OPC UA server offers no endpoint with the configured security mode and policy' },
  CBM_ERR_MODBUS_EXCEPTION: { status: 502, retryable: false, message: 'A Modbus device answered with an exception code' },
  CBM_ERR_MODBUS_TIMEOUT: { status: 504, retryable: true, message: 'A Modbus device did not answer in time' },
  CBM_ERR_MODBUS_RESPONSE: { status: 502, retryable: true, message: 'A Modbus device answered with a malformed response (wrong length, byte count or function code)' },
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

/** An error's message as the gateway may show and store it: credentials masked (src/core/redact.ts). */
export function errorMessage(e: unknown): string {
  return redactText(e instanceof Error ? e.message : String(e));
}
