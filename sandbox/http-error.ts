/**
 * A refusal the sandbox answers with a status and the error body of cloud-api.md
 * (`{"error": {"code", "message", "requestId", "details"}}`). Anything else thrown is a bug and
 * becomes a 500 `internal_error`.
 */
export class CloudHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'CloudHttpError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'unprocessable_content',
  426: 'upgrade_required',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/** The error code an injected fault answers with when the test did not name one. */
export function defaultCodeForStatus(status: number): string {
  return CODES_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'client_error');
}

export function errorBody(
  code: string,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): { error: { code: string; message: string; requestId: string; details?: Record<string, unknown> } } {
  return { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } };
}
