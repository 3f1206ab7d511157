import type { ReactNode } from "react";
import { ApiError, messageOf } from "@/api/errors";
import { Button } from "./Button";

export function LoadingState({ label = "Loading…" }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-3 py-8 text-slate-700">
      <span
        aria-hidden="true"
        className="size-5 animate-spin rounded-full border-2 border-slate-300 border-t-teal-700 motion-reduce:animate-none"
      />
      <span>{label}</span>
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  title,
  message,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
  message?: string;
}) {
  const notFound = error instanceof ApiError && error.isNotFound;
  const canRetry = onRetry && !(error instanceof ApiError && !error.retryable);

  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-red-900">
      <h2 className="font-semibold">{notFound ? "Not found" : (title ?? "Something went wrong")}</h2>
      <p className="mt-1 text-sm">
        {notFound
          ? "This record does not exist, or it belongs to a clinic you are not a member of."
          : (message ?? messageOf(error))}
      </p>
      {error instanceof ApiError && error.requestId && (
        <p className="mt-1 text-xs text-red-800">Request id: {error.requestId}</p>
      )}
      {canRetry && (
        <Button variant="secondary" className="mt-3" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center">
      <p className="font-medium text-slate-800">{title}</p>
      {children && <div className="mt-2 text-sm text-slate-600">{children}</div>}
    </div>
  );
}
