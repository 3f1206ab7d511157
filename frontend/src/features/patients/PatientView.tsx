"use client";

import Link from "next/link";
import type { Case, Patient } from "@/api/types";
import { messageOf } from "@/api/errors";
import { Button, buttonClasses } from "@/components/Button";
import { PageHeader } from "@/components/PageHeader";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { useCaseImages } from "@/features/cases/api";
import { CaseRiskNote, CaseRiskSummary, CaseStatusBadge, PredictionBadge } from "@/features/cases/badges";
import { formatDate } from "@/lib/format";
import { EXPOSURES, LESION_SITES, labelOf, SEXES } from "@/lib/labels";
import { useArchivePatient, usePatient, usePatientCases } from "./api";
import { ArchivedNotice } from "./ArchivedNotice";

export function PatientView({ id }: { id: number | null }) {
  const patient = usePatient(id);

  if (id === null) {
    return <ErrorState error={null} title="No patient chosen" message="Open a patient from the patients list." />;
  }
  if (patient.isPending) {
    return <LoadingState label="Loading patient…" />;
  }
  if (patient.isError) {
    return <ErrorState error={patient.error} onRetry={() => void patient.refetch()} />;
  }
  // An archived patient's records are read-only: only the button that restores the patient stays.
  const archived = patient.data.is_archived;

  return (
    <>
      <PageHeader
        title={patient.data.identifier}
        subtitle={<PatientSummary patient={patient.data} />}
        actions={
          <>
            {!archived && (
              <>
                <Link href={`/cases/new/?patient=${id}`} className={buttonClasses("primary")}>
                  Open a case
                </Link>
                <Link href={`/patients/edit/?id=${id}`} className={buttonClasses("secondary")}>
                  Edit patient
                </Link>
              </>
            )}
            <ArchiveButton patient={patient.data} />
          </>
        }
      />
      {archived && (
        <div className="mb-4">
          <ArchivedNotice />
        </div>
      )}
      <RiskFactors patient={patient.data} />
      <section aria-labelledby="history-heading" className="mt-8">
        <h2 id="history-heading" className="mb-3 text-lg font-semibold text-slate-900">
          Case history
        </h2>
        <CaseTimeline patientId={id} archived={archived} />
      </section>
    </>
  );
}

function ArchiveButton({ patient }: { patient: Patient }) {
  const archive = useArchivePatient(patient.id);
  const archiving = !patient.is_archived;

  const onClick = () => {
    if (archiving && !window.confirm("Archive this patient? The records are kept and the patient leaves the list.")) {
      return;
    }
    archive.mutate(archiving);
  };

  return (
    <>
      <Button variant={archiving ? "danger" : "secondary"} disabled={archive.isPending} onClick={onClick}>
        {archiving ? "Archive" : "Restore from archive"}
      </Button>
      {archive.isError && (
        <p role="alert" className="w-full text-sm text-red-800">
          {messageOf(archive.error)}
        </p>
      )}
    </>
  );
}

function PatientSummary({ patient }: { patient: Patient }) {
  const parts = [
    patient.name,
    patient.sex && patient.sex !== "unknown" ? labelOf(SEXES, patient.sex) : null,
    patient.year_of_birth ? `born ${patient.year_of_birth}` : null,
    patient.clinic_name,
  ];
  return (
    <>
      {parts.filter(Boolean).join(" · ")}
      {patient.is_archived && <span className="ml-2 font-medium text-amber-900">Archived</span>}
    </>
  );
}

function yesNoUnknown(value: boolean | null | undefined): string {
  if (value === true) {
    return "Yes";
  }
  return value === false ? "No" : "Unknown";
}

function RiskFactors({ patient }: { patient: Patient }) {
  const rows: [string, string][] = [
    ["Tobacco smoking", labelOf(EXPOSURES, patient.tobacco_smoking)],
    ["Smokeless tobacco, betel quid or areca nut", labelOf(EXPOSURES, patient.smokeless_tobacco)],
    ["Alcohol", labelOf(EXPOSURES, patient.alcohol)],
    ["Previous oral cancer", yesNoUnknown(patient.previous_oral_cancer)],
  ];
  return (
    <section aria-labelledby="risk-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="risk-heading" className="mb-3 font-semibold text-slate-900">
        Risk factors
      </h2>
      <dl className="grid gap-x-6 gap-y-2 sm:grid-cols-2">
        {rows.map(([term, value]) => (
          <div key={term} className="flex justify-between gap-4 border-b border-slate-100 pb-1">
            <dt className="text-sm text-slate-600">{term}</dt>
            <dd className="shrink-0 text-sm font-medium whitespace-nowrap text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      {patient.notes && <p className="mt-3 text-sm whitespace-pre-line text-slate-700">{patient.notes}</p>}
    </section>
  );
}

function CaseTimeline({ patientId, archived }: { patientId: number; archived: boolean }) {
  const cases = usePatientCases(patientId);

  if (cases.isPending) {
    return <LoadingState label="Loading cases…" />;
  }
  if (cases.isError) {
    return <ErrorState error={cases.error} onRetry={() => void cases.refetch()} />;
  }
  if (cases.data.length === 0) {
    return (
      <EmptyState title="No cases yet.">{archived ? null : "Open a case to upload photos of a lesion."}</EmptyState>
    );
  }

  return (
    <>
      <div className="mb-3">
        <CaseRiskNote />
      </div>
      <ol className="relative space-y-4 border-l-2 border-slate-200 pl-5">
        {cases.data.map((item) => (
          <TimelineEntry key={item.id} item={item} />
        ))}
      </ol>
    </>
  );
}

function TimelineEntry({ item }: { item: Case }) {
  return (
    <li className="relative">
      <span
        aria-hidden="true"
        className="absolute top-5 -left-[27px] size-3 rounded-full border-2 border-white bg-teal-700"
      />
      <article className="rounded-lg border border-slate-200 bg-white p-4" data-testid="timeline-case">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h3 className="font-medium">
            <Link href={`/cases/view/?id=${item.id}`} className="text-teal-900 underline-offset-2 hover:underline">
              {labelOf(LESION_SITES, item.lesion_site)} · {formatDate(item.encounter_date)}
            </Link>
          </h3>
          <CaseStatusBadge status={item.status} />
        </div>
        {item.lesion_description && <p className="mt-1 text-sm text-slate-700">{item.lesion_description}</p>}
        {item.image_count > 0 && (
          <div className="mt-3">
            <CaseRiskSummary item={item} />
          </div>
        )}
        {item.image_count > 0 && <CaseThumbnails caseId={item.id} />}
        <p className="mt-3 text-sm text-slate-600">
          {item.image_count} photo{item.image_count === 1 ? "" : "s"} ·{" "}
          {item.review_count === 0
            ? "not reviewed yet"
            : `${item.review_count} review${item.review_count === 1 ? "" : "s"}`}
          {item.assigned_specialist_detail &&
            ` · referred to ${item.assigned_specialist_detail.full_name || item.assigned_specialist_detail.username}`}
        </p>
      </article>
    </li>
  );
}

/** Show the case's photos with their result badges, fetched per case because the case list has only counts. */
function CaseThumbnails({ caseId }: { caseId: number }) {
  const images = useCaseImages(caseId);

  if (images.isPending) {
    return <p className="mt-3 text-sm text-slate-600">Loading photos…</p>;
  }
  if (images.isError) {
    return (
      <p className="mt-3 text-sm text-red-800">
        Photos could not be loaded.{" "}
        <button type="button" className="font-medium underline" onClick={() => void images.refetch()}>
          Try again
        </button>
      </p>
    );
  }

  return (
    <ul className="mt-3 flex flex-wrap gap-3" aria-label="Photos">
      {images.data.map((image, index) => (
        <li key={image.id} className="w-36 space-y-1">
          {/* eslint-disable-next-line @next/next/no-img-element -- private API images, no optimiser in a static export */}
          <img
            src={image.thumbnail_url ?? image.file_url}
            alt={`Photo ${index + 1}`}
            className="aspect-square w-36 rounded-md border border-slate-200 object-cover"
            loading="lazy"
          />
          <PredictionBadge prediction={image.latest_prediction} />
        </li>
      ))}
    </ul>
  );
}
