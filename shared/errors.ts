// Error codes, handshake detail codes and close codes of the OpenClaw Gateway protocol.

export const ErrorCode = {
  NOT_LINKED: 'NOT_LINKED',
  NOT_PAIRED: 'NOT_PAIRED',
  AGENT_TIMEOUT: 'AGENT_TIMEOUT',
  INVALID_REQUEST: 'INVALID_REQUEST',
  UNAVAILABLE: 'UNAVAILABLE',
} as const;
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

export const DetailCode = {
  DEVICE_IDENTITY_REQUIRED: 'DEVICE_IDENTITY_REQUIRED',
  DEVICE_ID_MISMATCH: 'DEVICE_AUTH_DEVICE_ID_MISMATCH',
  SIGNATURE_EXPIRED: 'DEVICE_AUTH_SIGNATURE_EXPIRED',
  NONCE_REQUIRED: 'DEVICE_AUTH_NONCE_REQUIRED',
  NONCE_MISMATCH: 'DEVICE_AUTH_NONCE_MISMATCH',
  SIGNATURE_INVALID: 'DEVICE_AUTH_SIGNATURE_INVALID',
  PUBLIC_KEY_INVALID: 'DEVICE_AUTH_PUBLIC_KEY_INVALID',
  PAIRING_REQUIRED: 'PAIRING_REQUIRED',
  PAIRING_REJECTED: 'PAIRING_REJECTED',
  PAIRING_RATE_LIMITED: 'PAIRING_RATE_LIMITED',
  PAIRING_PAUSED: 'PAIRING_PAUSED',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  ORIGIN_NOT_ALLOWED: 'CONTROL_UI_ORIGIN_NOT_ALLOWED',
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  AUTH_TOKEN_MISSING: 'AUTH_TOKEN_MISSING',
  AUTH_TOKEN_MISMATCH: 'AUTH_TOKEN_MISMATCH',
  AUTH_DEVICE_TOKEN_MISMATCH: 'AUTH_DEVICE_TOKEN_MISMATCH',
  AUTH_RATE_LIMITED: 'AUTH_RATE_LIMITED',
} as const;

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  POLICY: 1008,
  TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
} as const;

export interface ErrorShape {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** A failure a method or the handshake reports to the client, carrying the wire error shape. */
export class GatewayError extends Error {
  readonly shape: ErrorShape;
  constructor(code: string, message: string, details?: unknown, extra?: Pick<ErrorShape, 'retryable' | 'retryAfterMs'>) {
    super(message);
    this.shape = { code, message, ...(details === undefined ? {} : { details }), ...extra };
  }
}

export function invalidRequest(message: string, details?: unknown): GatewayError {
  return new GatewayError(ErrorCode.INVALID_REQUEST, message, details);
}

/** A WebSocket close reason is limited to 123 bytes of UTF-8. */
export function clampCloseReason(reason: string): string {
  const enc = new TextEncoder();
  if (enc.encode(reason).length <= 123) return reason;
  let out = reason;
  while (enc.encode(out).length > 123) out = out.slice(0, -1);
  return out;
}
