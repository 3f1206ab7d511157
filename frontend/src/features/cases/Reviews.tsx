"use client";

import type { Review } from "@/api/types";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { formatDate, formatDateTime } from "@/lib/format";
import { AGREEMENTS, HISTOPATHOLOGY, labelOf, REFERRALS } from "@/lib/labels";
import { useReviews } from "./api";
import { HistopathologyForm } from "./HistopathologyForm";

function reviewerName(review: Review): string {
  return review.reviewer.full_name || review.reviewer.username;
}

/** List the case's reviews, each with a form for its histopathology result unless `canEdit` is false. */
export function ReviewList({ caseId, canEdit }: { caseId: number; canEdit: boolean }) {
  const reviews = useReviews(caseId);

  if (reviews.isPending) {
    return <LoadingState label="Loading reviews…" />;
  }
  if (reviews.isError) {
    return <ErrorState error={reviews.error} onRetry={() => void reviews.refetch()} />;
  }
  if (reviews.data.length === 0) {
    return <EmptyState title="No reviews yet." />;
  }

  return (
    <ul className="space-y-3">
      {reviews.data.map((review) => (
        <li key={review.id} className="rounded-md border border-slate-200 p-3 text-sm" data-testid="review">
          <p className="font-medium text-slate-900">
            {labelOf(REFERRALS, review.referral_decision)}
            {review.recall_date && ` on ${formatDate(review.recall_date)}`}
          </p>
          <p className="text-slate-700">{labelOf(AGREEMENTS, review.agreement)}</p>
          {review.clinical_impression && (
            <p className="mt-1 whitespace-pre-line text-slate-800">{review.clinical_impression}</p>
          )}
          <p className="mt-1 text-slate-700">Histopathology: {labelOf(HISTOPATHOLOGY, review.histopathology_result)}</p>
          <p className="mt-1 text-xs text-slate-600">
            {reviewerName(review)} · {formatDateTime(review.created_at)}
          </p>
          {canEdit && <HistopathologyForm review={review} />}
        </li>
      ))}
    </ul>
  );
}
