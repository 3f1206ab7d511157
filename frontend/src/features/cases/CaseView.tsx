"use client";

import Link from "next/link";
import { messageOf } from "@/api/errors";
import type { Case, CaseStatus } from "@/api/types";
import { Button } from "@/components/Button";
import { PageHeader } from "@/components/PageHeader";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
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
        <Link href={`/patients/view/?id=${item.patient}`} className="font-medium text-teal-800 underline-offset-2 hover:underline">
          ← Back to patient{item.patient_identifier ? ` ${item.patient_identifier}` : ""}
        </Link>
      </p>
      <PageHeader
        title={`${labelOf(LESION_SITES, item.lesion_site)} · ${formatDate(item.encounter_date)}`}
        subtitle={<CaseStatusBadge status={item.status} />}
        actions={<StatusActions item={item} />}
      />
      {item.lesion_description && <p className="mb-6 max-w-3xl whitespace-pre-line text-slate-800">{item.lesion_description}</p>}
      <div className="space-y-6">
        <Uploader caseId={item.id} disabled={item.status === "closed"} />
        <Photos caseId={item.id} />
        <section aria-labelledby="reviews-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
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

const ACTIONS: Record<CaseStatus, { to: CaseStatus; label: string }[]> = {
  open: [
    { to: "awaiting_review", label: "Send for specialist review" },
    { to: "closed", label: "Close case" },
  ],
  awaiting_review: [
    { to: "closed", label: "Close case" },
    { to: "open", label: "Reopen" },
  ],
  closed: [{ to: "open", label: "Reopen" }],
};

function StatusActions({ item }: { item: Case }) {
  const change = useChangeCaseStatus(item.id);
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex flex-wrap gap-2">
        {ACTIONS[item.status].map((action) => (
          <Button key={action.to} variant="secondary" disabled={change.isPending} onClick={() => change.mutate(action.to)}>
            {action.label}
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
