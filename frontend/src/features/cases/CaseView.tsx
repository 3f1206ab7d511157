"use client";

import Link from "next/link";
import { ApiError, messageOf } from "@/api/errors";
import { useState } from "react";
import type { CaseDetail, CaseImage, CaseStatus } from "@/api/types";
import { Button } from "@/components/Button";
import { Field, inputClasses } from "@/components/Field";
import { PageHeader } from "@/components/PageHeader";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { useMe } from "@/features/auth/api";
import { ArchivedNotice } from "@/features/patients/ArchivedNotice";
import { cn } from "@/lib/cn";
import { formatDate, formatDateTime } from "@/lib/format";
import { LESION_SITES, labelOf } from "@/lib/labels";
import { useCase, useCaseImages, useChangeCaseStatus } from "./api";
import { CaseStatusBadge } from "./badges";
import { ImageCard } from "./ImageCard";
import { ReviewForm } from "./ReviewForm";
import { ReviewList } from "./Reviews";
import { Uploader } from "./Uploader";

export function CaseView({ id }: { id: number | null }) {
  const caseQuery = useCase(id);

  if (id === null) {
    return <ErrorState error={null} title="No case chosen" message="Open a case from a patient's page." />;
  }
  if (caseQuery.isPending) {
    return <LoadingState label="Loading case…" />;
  }
  if (caseQuery.isError) {
    return <ErrorState error={caseQuery.error} onRetry={() => void caseQuery.refetch()} />;
  }
  const item = caseQuery.data;
  const closed = item.status === "closed";
  // An archived patient's records are read-only, so every control that changes the case, its photos or its reviews
  // is hidden, as the photo controls are on a closed case.
  const archived = item.patient_is_archived;

  return (
    <>
      <p className="mb-2 text-sm">
        <Link
          href={`/patients/view/?id=${item.patient}`}
          className="font-medium text-teal-800 underline-offset-2 hover:underline"
        >
          ← Back to patient{item.patient_identifier ? ` ${item.patient_identifier}` : ""}
        </Link>
      </p>
      <PageHeader
        title={`${labelOf(LESION_SITES, item.lesion_site)} · ${formatDate(item.encounter_date)}`}
        subtitle={
          <span className="flex flex-wrap items-center gap-2">
            <CaseStatusBadge status={item.status} />
            {item.assigned_specialist_detail && (
              <span>
                Referred to {item.assigned_specialist_detail.full_name || item.assigned_specialist_detail.username}
              </span>
            )}
          </span>
        }
        actions={archived ? undefined : <StatusActions item={item} />}
      />
      {item.lesion_description && (
        <p className="mb-6 max-w-3xl whitespace-pre-line text-slate-800">{item.lesion_description}</p>
      )}
      <div className="space-y-6">
        {archived && <ArchivedNotice />}
        {!archived && closed && (
          <p
            className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-800"
            data-testid="case-closed"
          >
            This case is closed. Reopen it to add or exclude photos.
          </p>
        )}
        {!archived && !closed && <Uploader caseId={item.id} />}
        <Photos caseId={item.id} canChangePhotos={!archived && !closed} canReanalyse={!archived} />
        <section
          aria-labelledby="reviews-heading"
          className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
        >
          <h2 id="reviews-heading" className="text-lg font-semibold text-slate-900">
            Reviews
          </h2>
          <ReviewList caseId={item.id} canEdit={!archived} />
          {!archived && (
            <ReviewForm
              caseId={item.id}
              afterSave={item.status === "awaiting_review" ? <StatusActions item={item} compact /> : null}
            />
          )}
        </section>
      </div>
    </>
  );
}

/**
 * List the case's photos. Photos can be added and excluded only while the case is not closed and the patient is not
 * archived, and analysed again on any case of a patient who is not archived.
 */
function Photos({
  caseId,
  canChangePhotos,
  canReanalyse,
}: {
  caseId: number;
  canChangePhotos: boolean;
  canReanalyse: boolean;
}) {
  const images = useCaseImages(caseId);

  let content;
  if (images.isPending) {
    content = <LoadingState label="Loading photos…" />;
  } else if (images.isError) {
    content = <ErrorState error={images.error} onRetry={() => void images.refetch()} />;
  } else {
    const numbers = photoNumbers(images.data);
    const visible = images.data.filter((image) => !image.is_excluded);
    const excluded = images.data.filter((image) => image.is_excluded);
    content = (
      <>
        {visible.length === 0 ? (
          <EmptyState title="No photos yet.">
            {canChangePhotos ? "Add photos above; each one is analysed as soon as it arrives." : null}
          </EmptyState>
        ) : (
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {visible.map((image) => (
              <ImageCard
                key={image.id}
                image={image}
                number={numbers.get(image.id) ?? 0}
                canExclude={canChangePhotos}
                canReanalyse={canReanalyse}
              />
            ))}
          </div>
        )}
        {excluded.length > 0 && <ExcludedPhotos images={excluded} numbers={numbers} />}
      </>
    );
  }

  return (
    <section aria-labelledby="photos-heading">
      <h2 id="photos-heading" className="mb-3 text-lg font-semibold text-slate-900">
        Photos and results
      </h2>
      {content}
    </section>
  );
}

/**
 * Number the case's photos by upload order (uploaded_at, then id) among all of them, excluded ones included, so a
 * photo keeps its number when another one is excluded.
 */
function photoNumbers(images: CaseImage[]): Map<number, number> {
  const ordered = [...images].sort(
    (first, second) => Date.parse(first.uploaded_at) - Date.parse(second.uploaded_at) || first.id - second.id,
  );
  return new Map(ordered.map((image, index) => [image.id, index + 1]));
}

/** Count the excluded photos and list them on request, greyed, with the reason each was excluded. */
function ExcludedPhotos({ images, numbers }: { images: CaseImage[]; numbers: Map<number, number> }) {
  const [shown, setShown] = useState(false);

  return (
    <div className="mt-4 text-sm">
      <div className="flex flex-wrap items-center gap-3">
        <p className="text-slate-700">
          {images.length} {images.length === 1 ? "photo" : "photos"} excluded
        </p>
        <Button variant="secondary" aria-expanded={shown} onClick={() => setShown(!shown)}>
          {shown ? "Hide excluded photos" : "Show excluded photos"}
        </Button>
      </div>
      {shown && (
        <ul className="mt-3 space-y-2" aria-label="Excluded photos">
          {images.map((image) => (
            <li
              key={image.id}
              className="flex items-center gap-3 rounded-md border border-slate-200 bg-slate-50 p-2 text-slate-600"
              data-testid="excluded-photo"
            >
              {/* eslint-disable-next-line @next/next/no-img-element -- private API images, no optimiser in a static export */}
              <img
                src={image.thumbnail_url ?? image.file_url ?? `/api/images/${image.id}/file/`}
                alt=""
                className="size-12 shrink-0 rounded object-cover opacity-50 grayscale"
              />
              <span className="min-w-0">
                <span className="block font-medium break-words">
                  Photo {numbers.get(image.id)}
                  {image.original_filename ? `: ${image.original_filename}` : ""}
                </span>
                <span className="block break-words">
                  Excluded {formatDateTime(image.excluded_at)}: {image.excluded_reason || "no reason recorded"}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Return the button text for a status change; going back to open reads differently from a closed case. */
function actionLabel(current: CaseStatus, next: CaseStatus): string {
  if (next === "awaiting_review") {
    return "Send for specialist review";
  }
  if (next === "closed") {
    return "Close case";
  }
  return current === "awaiting_review" ? "Return to clinician (reopen)" : "Reopen case";
}

function sentMessage(updated: CaseDetail): string {
  const specialist = updated.assigned_specialist_detail;
  return specialist
    ? `Sent to ${specialist.full_name || specialist.username} for review.`
    : "Sent for review by any specialist of the clinic.";
}

/** Offer the status changes the case allows, with a choice of specialist when it is sent for review. */
function StatusActions({ item, compact = false }: { item: CaseDetail; compact?: boolean }) {
  const change = useChangeCaseStatus(item.id);
  const me = useMe();
  const specialists = (me.data?.memberships ?? [])
    .filter((membership) => membership.clinic.id === item.clinic)
    .flatMap((membership) => membership.specialists);
  const [specialist, setSpecialist] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const [confirmingClose, setConfirmingClose] = useState(false);
  const nextStatuses = item.allowed_next_statuses.filter(
    (status): status is CaseStatus => status === "open" || status === "awaiting_review" || status === "closed",
  );

  const onChange = (status: CaseStatus) => {
    if (status === "closed" && !confirmingClose) {
      setConfirmingClose(true);
      return;
    }
    setConfirmingClose(false);
    setSent(null);
    const body =
      status === "awaiting_review"
        ? { status, assigned_specialist: specialist ? Number(specialist) : null }
        : { status };
    change.mutate(body, {
      onSuccess: (updated) => setSent(status === "awaiting_review" ? sentMessage(updated) : null),
    });
  };

  return (
    <div className={cn("flex flex-col items-start gap-2", !compact && "sm:items-end")}>
      {!compact && nextStatuses.includes("awaiting_review") && specialists.length > 0 && (
        <div className="w-full sm:w-64">
          <Field label="Specialist" optional>
            <select className={inputClasses} value={specialist} onChange={(event) => setSpecialist(event.target.value)}>
              <option value="">Any specialist of the clinic</option>
              {specialists.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.full_name || user.username}
                </option>
              ))}
            </select>
          </Field>
        </div>
      )}
      <div className="flex flex-wrap gap-2">
        {nextStatuses.map((status) => (
          <Button key={status} variant="secondary" disabled={change.isPending} onClick={() => onChange(status)}>
            {actionLabel(item.status, status)}
          </Button>
        ))}
      </div>
      {confirmingClose && (
        <div role="group" aria-label="Confirm closing the case" className="space-y-2 text-sm">
          <p className="text-slate-800">Close this case? No photos can be added or excluded until it is reopened.</p>
          <div className="flex flex-wrap gap-2">
            <Button variant="danger" disabled={change.isPending} onClick={() => onChange("closed")}>
              Confirm closing
            </Button>
            <Button variant="secondary" onClick={() => setConfirmingClose(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      {sent && (
        <p role="status" className="text-sm text-emerald-900">
          {sent}
        </p>
      )}
      {change.isError && (
        <p role="alert" className="text-sm text-red-800">
          {/* A refused status change explains itself on the status field, for example a missing review. */}
          {(change.error instanceof ApiError && change.error.fieldMessage("status")) || messageOf(change.error)}
        </p>
      )}
    </div>
  );
}
