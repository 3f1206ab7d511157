/**
 * The one way the interface talks to the API: same-origin requests with the session cookie, the CSRF token on
 * unsafe methods, errors turned into ApiError, and a lost session sent back to sign-in.
 */
import { ApiError, errorFromBody } from "./errors";
import { readCsrfCookie, redirectToSignIn } from "./session";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: Method;
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** Leave a 401/403-not-authenticated to the caller instead of going to sign-in (the sign-in page uses it). */
  allowAnonymous?: boolean;
}

const SAFE_METHODS = new Set<Method>(["GET"]);

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** Make sure the csrftoken cookie exists; the CSRF endpoint sets it for anonymous and signed-in users alike. */
export async function ensureCsrfToken(signal?: AbortSignal): Promise<string> {
  const existing = readCsrfCookie();
  if (existing) {
    return existing;
  }
  await fetchOnce("/api/auth/csrf/", { method: "GET", signal }).catch(() => undefined);
  return readCsrfCookie() ?? "";
}

async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { credentials: "same-origin", ...init });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") {
      throw error;
    }
    throw ApiError.network();
  }
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined;

  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (!SAFE_METHODS.has(method)) {
    headers["X-CSRFToken"] = await ensureCsrfToken(options.signal);
  }

  return fetchOnce(buildUrl(path, options.query), { method, headers, body, signal: options.signal });
}

async function parseBody(response: Response): Promise<unknown> {
  if (response.status === 204) {
    return undefined;
  }
  const type = response.headers.get("Content-Type") ?? "";
  if (!type.includes("json")) {
    return undefined;
  }
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** Send one request and return its parsed JSON body, or throw ApiError. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options);
  let body = await parseBody(response);

  if (!response.ok) {
    let error = errorFromBody(response.status, body);

    // A CSRF failure usually means the token rotated at sign-in: fetch the new one and try once more.
    if (error.isCsrfFailure) {
      document.cookie = "csrftoken=; Max-Age=0; path=/";
      response = await send(path, options);
      body = await parseBody(response);
      error = errorFromBody(response.status, body);
    }
    if (!response.ok) {
      if (error.isNotAuthenticated && !options.allowAnonymous) {
        redirectToSignIn();
      }
      throw error;
    }
  }
  return body as T;
}
