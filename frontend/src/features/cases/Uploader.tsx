"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { ApiError, messageOf } from "@/api/errors";
import type { CaseImage } from "@/api/types";
import { UploadCancelled, uploadImage } from "@/api/upload";
import { useAnnounce } from "@/components/Announcer";
import { Button } from "@/components/Button";
import { cn } from "@/lib/cn";
import { formatBytes } from "@/lib/format";
import { caseKeys } from "./api";

// The server's default ORALCARE_MAX_UPLOAD_BYTES; the server checks again and its own limit wins.
const MAX_BYTES = 25 * 1024 * 1024;
// Browsers leave the type empty for some HEIC files, so the name's extension is accepted as well.
const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|heic|heif|tiff?|bmp|gif|mpo)$/i;

type UploadState =
  | { kind: "waiting" }
  | { kind: "uploading"; progress: number }
  | { kind: "done"; image: CaseImage }
  | { kind: "failed"; message: string; retryable: boolean }
  | { kind: "cancelled" };

interface UploadItem {
  key: string;
  file: File;
  state: UploadState;
}

/** Check a file before sending it; return the reason it cannot be sent, or null. */
export function checkFile(file: File): string | null {
  if (file.size === 0) {
    return "This file is empty. Choose the photo again.";
  }
  if (file.size > MAX_BYTES) {
    return `This file is ${formatBytes(file.size)}; photos can be at most ${formatBytes(MAX_BYTES)}. Send a smaller copy.`;
  }
  if (!file.type.startsWith("image/") && !IMAGE_EXTENSIONS.test(file.name)) {
    return "This is not a photo. Choose a JPEG, PNG, WebP, HEIC, TIFF, BMP or GIF image.";
  }
  return null;
}

function uploadMessage(error: unknown): string {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
    const fieldMessage = error.fieldMessage("image") ?? Object.values(error.errors)[0]?.[0];
    return fieldMessage ?? error.message;
  }
  return messageOf(error);
}

let nextKey = 0;

export function Uploader({ caseId, disabled }: { caseId: number; disabled?: boolean }) {
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const aborts = useRef(new Map<string, () => void>());
  // Photos are sent one after another in the order they were chosen, so the case numbers them in that order.
  const queue = useRef<Promise<void>>(Promise.resolve());

  useEffect(() => {
    const pending = aborts.current;
    return () => pending.forEach((abort) => abort());
  }, []);

  const update = useCallback((key: string, state: UploadState) => {
    setItems((current) => current.map((item) => (item.key === key ? { ...item, state } : item)));
  }, []);

  const start = useCallback(
    (key: string, file: File) => {
      const handle = uploadImage(caseId, file, (progress) => update(key, { kind: "uploading", progress }));
      aborts.current.set(key, handle.abort);
      update(key, { kind: "uploading", progress: 0 });

      return handle.promise
        .then((image) => {
          update(key, { kind: "done", image });
          announce(`${file.name} uploaded. Analysis queued.`);
          queryClient.setQueryData<CaseImage[]>(caseKeys.images(caseId), (current) =>
            current && !current.some((existing) => existing.id === image.id) ? [...current, image] : current,
          );
          return queryClient.invalidateQueries({ queryKey: caseKeys.images(caseId) });
        })
        .catch((error: unknown) => {
          if (error instanceof UploadCancelled) {
            update(key, { kind: "cancelled" });
            announce(`Upload of ${file.name} cancelled.`);
            return;
          }
          const message = uploadMessage(error);
          update(key, { kind: "failed", message, retryable: error instanceof ApiError && error.retryable });
          announce(`${file.name} was not uploaded: ${message}`);
        })
        .finally(() => aborts.current.delete(key));
    },
    [announce, caseId, queryClient, update],
  );

  const enqueue = useCallback(
    (key: string, file: File) => {
      let cancelled = false;
      aborts.current.set(key, () => {
        cancelled = true;
        aborts.current.delete(key);
        update(key, { kind: "cancelled" });
      });
      // start() settles every upload itself; the catch keeps one unexpected error from stopping the queue.
      queue.current = queue.current.then(() => (cancelled ? undefined : start(key, file))).catch(() => undefined);
    },
    [start, update],
  );

  const addFiles = useCallback(
    (files: FileList | File[]) => {
      const added: UploadItem[] = [];
      for (const file of Array.from(files)) {
        const key = `upload-${nextKey++}`;
        const problem = checkFile(file);
        added.push({
          key,
          file,
          state: problem ? { kind: "failed", message: problem, retryable: false } : { kind: "waiting" },
        });
      }
      setItems((current) => [...added, ...current]);
      for (const item of added) {
        if (item.state.kind === "waiting") {
          enqueue(item.key, item.file);
        }
      }
    },
    [enqueue],
  );

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    if (!disabled && event.dataTransfer.files.length > 0) {
      addFiles(event.dataTransfer.files);
    }
  };

  return (
    <section aria-labelledby="upload-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="upload-heading" className="font-semibold text-slate-900">
        Add photos
      </h2>
      <div
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
        className={cn(
          "mt-3 flex flex-col items-center gap-3 rounded-lg border-2 border-dashed p-6 text-center",
          dragging ? "border-teal-700 bg-teal-50" : "border-slate-300 bg-slate-50",
        )}
      >
        <p className="text-sm text-slate-700">Drag intra-oral photos here, or</p>
        <div className="flex flex-wrap justify-center gap-2">
          <FileButton label="Choose photos" disabled={disabled} onFiles={addFiles} />
          <FileButton label="Take a photo" capture disabled={disabled} onFiles={addFiles} />
        </div>
        <p className="text-xs text-slate-600">
          JPEG, PNG, WebP, HEIC; TIFF, BMP and GIF are converted. Up to {formatBytes(MAX_BYTES)} each.
        </p>
      </div>
      {items.length > 0 && (
        <ul className="mt-4 space-y-2" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow
              key={item.key}
              item={item}
              onCancel={() => aborts.current.get(item.key)?.()}
              onRetry={() => {
                update(item.key, { kind: "waiting" });
                enqueue(item.key, item.file);
              }}
              onDismiss={() => setItems((current) => current.filter((other) => other.key !== item.key))}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function FileButton({
  label,
  capture,
  disabled,
  onFiles,
}: {
  label: string;
  capture?: boolean;
  disabled?: boolean;
  onFiles: (files: FileList) => void;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <label
      className={cn(
        "inline-flex min-h-10 cursor-pointer items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800",
        "focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-teal-700 hover:bg-slate-50",
        disabled && "cursor-not-allowed opacity-60",
      )}
    >
      {label}
      <input
        ref={inputRef}
        type="file"
        accept="image/*"
        capture={capture ? "environment" : undefined}
        multiple
        disabled={disabled}
        className="sr-only"
        onChange={(event) => {
          if (event.target.files && event.target.files.length > 0) {
            onFiles(event.target.files);
          }
          // Clearing the value lets the same file be chosen again after a failure.
          if (inputRef.current) {
            inputRef.current.value = "";
          }
        }}
      />
    </label>
  );
}

function UploadRow({
  item,
  onCancel,
  onRetry,
  onDismiss,
}: {
  item: UploadItem;
  onCancel: () => void;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const { file, state } = item;
  const progressId = `${item.key}-progress`;

  return (
    <li className="rounded-md border border-slate-200 p-3" data-testid="upload-row">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="min-w-0 text-sm font-medium text-slate-900">
          {file.name} <span className="font-normal text-slate-600">({formatBytes(file.size)})</span>
        </span>
        <span className="flex gap-2">
          {(state.kind === "uploading" || state.kind === "waiting") && (
            <Button variant="secondary" onClick={onCancel} aria-label={`Cancel upload of ${file.name}`}>
              Cancel
            </Button>
          )}
          {state.kind === "failed" && state.retryable && (
            <Button variant="secondary" onClick={onRetry} aria-label={`Retry upload of ${file.name}`}>
              Retry
            </Button>
          )}
          {state.kind !== "uploading" && state.kind !== "waiting" && (
            <Button variant="ghost" onClick={onDismiss} aria-label={`Dismiss ${file.name}`}>
              Dismiss
            </Button>
          )}
        </span>
      </div>
      {state.kind === "uploading" && (
        <div className="mt-2">
          <label htmlFor={progressId} className="sr-only">
            Uploading {file.name}
          </label>
          <progress
            id={progressId}
            max={100}
            value={Math.round(state.progress * 100)}
            className="h-2 w-full overflow-hidden rounded accent-teal-700"
          />
          <p className="mt-1 text-xs text-slate-600">{Math.round(state.progress * 100)}% uploaded</p>
        </div>
      )}
      {state.kind === "waiting" && <p className="mt-1 text-sm text-slate-700">Waiting to upload.</p>}
      {state.kind === "done" && (
        <p className="mt-1 text-sm text-emerald-800">{state.image.duplicate ? "Already on this case." : "Uploaded."}</p>
      )}
      {state.kind === "cancelled" && <p className="mt-1 text-sm text-slate-700">Cancelled.</p>}
      {state.kind === "failed" && (
        <p className="mt-1 text-sm font-medium text-red-800" role="alert">
          {state.message}
        </p>
      )}
    </li>
  );
}
