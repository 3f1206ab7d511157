"use client";

import Link from "next/link";
import { messageOf } from "@/api/errors";
import { useState } from "react";
import type { CaseDetail, CaseStatus } from "@/api/types";
import { Button } from "@/components/Button";
import { Field, inputClasses } from "@/components/Field";
import { PageHeader } from "@/components/PageHeader";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { useMe } from "@/features/auth/api";
import { formatDate } from "@/lib/format";
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
        actions={<StatusActions item={item} />}
      />
      {item.lesion_description && (
        <p className="mb-6 max-w-3xl whitespace-pre-line text-slate-800">{item.lesion_description}</p>
      )}
      <div className="space-y-6">
        <Uploader caseId={item.id} disabled={item.status === "closed"} />
        <Photos caseId={item.id} />
        <section
          aria-labelledby="reviews-heading"
          className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
        >
          <h2 id="reviews-heading" className="text-lg font-semibold text-slate-900">
            Reviews
          </h2>
          <ReviewList caseId={item.id} />
          <ReviewForm caseId={item.id} />
        </section>
      </div>
    </>
  );
}

function Photos({ caseId }: { caseId: number }) {
  const images = useCaseImages(caseId);

  let content;
  if (images.isPending) {
    content = <LoadingState label="Loading photos…" />;
  } else if (images.isError) {
    content = <ErrorState error={images.error} onRetry={() => void images.refetch()} />;
  } else {
    const visible = images.data.filter((image) => !image.is_excluded);
    content =
      visible.length === 0 ? (
        <EmptyState title="No photos yet.">Add photos above; each one is analysed as soon as it arrives.</EmptyState>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {visible.map((image, index) => (
            <ImageCard key={image.id} image={image} index={index} />
          ))}
        </div>
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

const ACTION_LABELS: Record<CaseStatus, string> = {
  awaiting_review: "Send for specialist review",
  closed: "Close case",
  open: "Reopen case",
};

/** Offer the status changes the case allows, with a choice of specialist when it is sent for review. */
function StatusActions({ item }: { item: CaseDetail }) {
  const change = useChangeCaseStatus(item.id);
  const me = useMe();
  const specialists = (me.data?.memberships ?? [])
    .filter((membership) => membership.clinic.id === item.clinic)
    .flatMap((membership) => membership.specialists);
  const [specialist, setSpecialist] = useState("");
  const nextStatuses = item.allowed_next_statuses.filter((status): status is CaseStatus => status in ACTION_LABELS);

  return (
    <div className="flex flex-col items-start gap-2 sm:items-end">
      {nextStatuses.includes("awaiting_review") && specialists.length > 0 && (
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
          <Button
            key={status}
            variant="secondary"
            disabled={change.isPending}
            onClick={() =>
              change.mutate(
                status === "awaiting_review"
                  ? { status, assigned_specialist: specialist ? Number(specialist) : null }
                  : { status },
              )
            }
          >
            {ACTION_LABELS[status]}
          </Button>
        ))}
      </div>
      {change.isError && (
        <p role="alert" className="text-sm text-red-800">
          {messageOf(change.error)}
        </p>
      )}
    </div>
  );
}
