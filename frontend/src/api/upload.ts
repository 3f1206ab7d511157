/**
 * Photo upload through XMLHttpRequest, because fetch cannot report upload progress. Errors follow the same
 * ApiError contract as every other request.
 */
import { ensureCsrfToken } from "./client";
import { ApiError, errorFromBody, isRecord } from "./errors";
import { redirectToSignIn } from "./session";
import type { CaseImage } from "./types";

export interface UploadHandle {
  promise: Promise<CaseImage>;
  abort: () => void;
}

export class UploadCancelled extends Error {
  constructor() {
    super("Upload cancelled.");
    this.name = "UploadCancelled";
  }
}

/** Send one file to the case and resolve with the stored image, or reject with ApiError or UploadCancelled. */
export function uploadImage(caseId: number, file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  let cancelled = false;

  const promise = ensureCsrfToken().then(
    (token) =>
      new Promise<CaseImage>((resolve, reject) => {
        if (cancelled) {
          reject(new UploadCancelled());
          return;
        }
        xhr.open("POST", `/api/cases/${caseId}/images/`);
        xhr.withCredentials = true;
        xhr.setRequestHeader("X-CSRFToken", token);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.responseType = "text";

        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) {
            onProgress(event.loaded / event.total);
          }
        };
        xhr.onabort = () => reject(new UploadCancelled());
        xhr.onerror = () => reject(ApiError.network());
        xhr.onload = () => {
          const body = parseJson(xhr.responseText);
          if (xhr.status >= 200 && xhr.status < 300) {
            const outcome = outcomeFromAccepted(body);
            if (outcome instanceof ApiError) {
              reject(outcome);
            } else {
              resolve(outcome);
            }
            return;
          }
          const error = errorFromBody(xhr.status, firstRejection(body) ?? body);
          if (error.isNotAuthenticated) {
            redirectToSignIn();
          }
          reject(error);
        };

        const form = new FormData();
        form.append("image", file, file.name);
        xhr.send(form);
      }),
  );

  return {
    promise,
    abort: () => {
      cancelled = true;
      xhr.abort();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A 400 that stored nothing lists each file under `rejected`; one file was sent, so its entry is the message. */
function firstRejection(body: unknown): Record<string, unknown> | null {
  if (!isRecord(body) || !Array.isArray(body.rejected)) {
    return null;
  }
  const [first] = body.rejected as unknown[];
  if (!isRecord(first) || typeof first.detail !== "string") {
    return null;
  }
  return { ...body, code: first.code, detail: first.detail, errors: undefined };
}

function isImage(value: unknown): value is CaseImage {
  return isRecord(value) && typeof value.id === "number";
}

/**
 * Pick this file's outcome from a 2xx answer. The answer lists stored images and, separately, rejected files
 * with their errors; one file was sent, so at most one of the two lists has an entry.
 */
function outcomeFromAccepted(body: unknown): CaseImage | ApiError {
  if (isImage(body)) {
    return body;
  }
  const record = isRecord(body) ? body : {};
  const lists = Array.isArray(body) ? [body] : Object.values(record).filter(Array.isArray);

  for (const list of lists) {
    const stored = (list as unknown[]).find(isImage);
    if (stored) {
      return stored;
    }
  }
  for (const list of lists) {
    const rejected = (list as unknown[]).find(isRecord);
    if (rejected) {
      const nested = isRecord(rejected.error) ? rejected.error : rejected;
      const detail = nested.detail ?? nested.message;
      return errorFromBody(400, { code: nested.code, detail: typeof detail === "string" ? detail : "" });
    }
  }
  return errorFromBody(500, undefined);
}
