/** Field-keyed messages as the API returns them in `errors` (DRF's validation shape). */
export type FieldErrors = Record<string, string[]>;

const NETWORK_MESSAGE = "OralCare could not be reached. Check the connection and try again.";
const SERVER_MESSAGE = "The server could not complete the request. Try again in a moment.";

/**
 * One error class for every failed API call. `message` is what the interface shows: the server's own detail
 * for a 4xx answer, a plain fallback for a 5xx answer or a network failure.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldErrors;
  readonly requestId: string | null;

  constructor(options: {
    status: number;
    code: string;
    detail: string;
    errors?: FieldErrors;
    requestId?: string | null;
  }) {
    super(messageFor(options.status, options.detail));
    this.name = "ApiError";
    this.status = options.status;
    this.code = options.code;
    this.detail = options.detail;
    this.errors = options.errors ?? {};
    this.requestId = options.requestId ?? null;
  }

  /** True for failures worth trying again: no answer at all, or a 5xx answer. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isNotAuthenticated(): boolean {
    return (
      this.status === 401 ||
      (this.status === 403 && (this.code === "not_authenticated" || this.code === "authentication_failed"))
    );
  }

  get isCsrfFailure(): boolean {
    return this.status === 403 && this.detail.startsWith("CSRF Failed");
  }

  /** The first message for one field, or undefined. */
  fieldMessage(field: string): string | undefined {
    return this.errors[field]?.[0];
  }

  static network(): ApiError {
    return new ApiError({ status: 0, code: "network_error", detail: NETWORK_MESSAGE });
  }
}

function messageFor(status: number, detail: string): string {
  if (status === 0) {
    return NETWORK_MESSAGE;
  }
  if (status >= 500 || !detail) {
    return SERVER_MESSAGE;
  }
  return detail;
}

/** Build an ApiError from a parsed error body in the API's contract ({code, detail, request_id, errors?}). */
export function errorFromBody(status: number, body: unknown): ApiError {
  const record = isRecord(body) ? body : {};
  return new ApiError({
    status,
    code: typeof record.code === "string" ? record.code : `http_${status}`,
    detail: typeof record.detail === "string" ? record.detail : "",
    errors: normaliseFieldErrors(record.errors),
    requestId: typeof record.request_id === "string" ? record.request_id : null,
  });
}

function normaliseFieldErrors(value: unknown): FieldErrors {
  if (!isRecord(value)) {
    return {};
  }
  const result: FieldErrors = {};
  for (const [field, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) {
      result[field] = messages.map((message) => (typeof message === "string" ? message : JSON.stringify(message)));
    } else if (typeof messages === "string") {
      result[field] = [messages];
    }
  }
  return result;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The message to show for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  return SERVER_MESSAGE;
}
