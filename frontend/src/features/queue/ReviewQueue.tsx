"use client";

import Link from "next/link";
import { useId, useState } from "react";
import type { RiskLabel } from "@/api/types";
import { Button } from "@/components/Button";
import { PageHeader } from "@/components/PageHeader";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { rolesOf, useMe } from "@/features/auth/api";
import { useReviewQueue } from "@/features/cases/api";
import { CaseRiskNote, CaseRiskSummary } from "@/features/cases/badges";
import { PAGE_SIZE } from "@/features/patients/api";
import { formatDate } from "@/lib/format";
import { LESION_SITES, labelOf, RISK_LABELS, riskText } from "@/lib/labels";

export function ReviewQueue() {
  const [page, setPage] = useState(1);
  const [onlyMine, setOnlyMine] = useState(false);
  const [riskLabel, setRiskLabel] = useState<RiskLabel | null>(null);
  const riskFilterId = useId();
  const me = useMe();
  const isSpecialist = rolesOf(me.data).has("specialist");
  const queue = useReviewQueue(page, onlyMine, riskLabel);

  return (
    <>
      <PageHeader title="Review queue" subtitle="Cases sent for specialist review, most recent encounter date first." />
      <div className="mb-4 flex flex-wrap items-center gap-x-6 gap-y-3">
        {isSpecialist && (
          <label className="flex items-center gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              className="size-4 accent-teal-700"
              checked={onlyMine}
              onChange={(event) => {
                setOnlyMine(event.target.checked);
                setPage(1);
              }}
            />
            Only cases referred to me
          </label>
        )}
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-800">
          <label htmlFor={riskFilterId}>Model result</label>
          <select
            id={riskFilterId}
            className="rounded-md border border-slate-400 bg-white px-2 py-1 text-sm text-slate-900 focus:border-teal-700 focus:outline-2 focus:outline-teal-700"
            value={riskLabel ?? ""}
            onChange={(event) => {
              setRiskLabel((event.target.value || null) as RiskLabel | null);
              setPage(1);
            }}
          >
            <option value="">Any result</option>
            {(Object.keys(RISK_LABELS) as RiskLabel[]).map((label) => (
              <option key={label} value={label}>
                {riskText(label)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <QueueContent queue={queue} filtered={riskLabel !== null} />
      {queue.data && queue.data.count > PAGE_SIZE && (
        <nav aria-label="Pages" className="mt-4 flex justify-between gap-2">
          <Button variant="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </Button>
          <Button variant="secondary" disabled={!queue.data.next} onClick={() => setPage(page + 1)}>
            Next
          </Button>
        </nav>
      )}
    </>
  );
}

function QueueContent({ queue, filtered }: { queue: ReturnType<typeof useReviewQueue>; filtered: boolean }) {
  if (queue.isPending) {
    return <LoadingState label="Loading the queue…" />;
  }
  if (queue.isError) {
    return <ErrorState error={queue.error} onRetry={() => void queue.refetch()} />;
  }
  const waiting = queue.data.results.filter((item) => item.status === "awaiting_review");
  if (waiting.length === 0) {
    return (
      <EmptyState
        title={filtered ? "No cases with this model result are awaiting review." : "No cases are awaiting review."}
      />
    );
  }

  return (
    <>
      <CaseRiskNote />
      <ul className="mt-2 divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white">
        {waiting.map((item) => (
          <li key={item.id}>
            <Link href={`/cases/view/?id=${item.id}`} className="block px-4 py-3 hover:bg-slate-50">
              <span className="font-medium text-teal-900">
                {labelOf(LESION_SITES, item.lesion_site)} · {formatDate(item.encounter_date)}
              </span>
              <span className="text-slate-700"> · {item.patient_identifier}</span>
              <span className="mt-1 block text-sm text-slate-600">
                {item.image_count} photo{item.image_count === 1 ? "" : "s"}
                {item.assigned_specialist_detail
                  ? ` · referred to ${item.assigned_specialist_detail.full_name || item.assigned_specialist_detail.username}`
                  : " · any specialist"}
              </span>
              {item.lesion_description && (
                <span className="mt-1 block truncate text-sm text-slate-600">{item.lesion_description}</span>
              )}
              <span className="mt-2 block">
                <CaseRiskSummary item={item} />
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
