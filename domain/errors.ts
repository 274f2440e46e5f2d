// One error type with a code; one table from code to HTTP status and CLI exit code. 500s hide their message.
export const ERROR_CODES = {
  invalid_payload: { http: 400, exit: 3 },
  empty_file: { http: 400, exit: 3 }, // an upload of 0 bytes: nothing staged
  wrong_state: { http: 409, exit: 3 },
  stale_link: { http: 409, exit: 3 },
  duplicate_case: { http: 409, exit: 3 }, // the vendor's contract already has an open case (allowDuplicate starts one all the same)
  not_found: { http: 404, exit: 4 },
  method_not_allowed: { http: 405, exit: 3 }, // the resource is there, not under this method (header Allow)
  link_refused: { http: 403, exit: 3 }, // altered, malformed, not ours
  link_gone: { http: 410, exit: 3 }, // expired, its task done, or replaced by a newer link
  unauthorized: { http: 401, exit: 3 },
  forbidden: { http: 403, exit: 3 },
  csrf_failed: { http: 403, exit: 3 },
  too_large: { http: 413, exit: 3 },
  case_storage_limit: { http: 413, exit: 3 }, // the case holds as much staged as it may (CASE_STORAGE_LIMIT, or its own)
  unsupported_media_type: { http: 415, exit: 3 },
  rate_limited: { http: 429, exit: 3 },
  temporal_unavailable: { http: 503, exit: 5 },
  database_unavailable: { http: 503, exit: 5 }, // the case record's database does not answer
  storage_unavailable: { http: 503, exit: 5 }, // the file storage (an S3-compatible service) does not answer
  mail_unavailable: { http: 503, exit: 5 }, // a message that must go out now (a signatory's code) could not be sent
  identity_provider_unavailable: { http: 503, exit: 5 }, // the district's OpenID provider (OIDC_ISSUER) does not answer
  storage_full: { http: 507, exit: 1 }, // the server's disk is full: nothing partial kept, try again later
  internal: { http: 500, exit: 1 },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class DispositionError extends Error {
  override name = 'DispositionError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
