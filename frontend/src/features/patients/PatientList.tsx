"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { buttonClasses } from "@/components/Button";
import { Button } from "@/components/Button";
import { inputClasses } from "@/components/Field";
import { PageHeader } from "@/components/PageHeader";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { labelOf, SEXES } from "@/lib/labels";
import { formatDate } from "@/lib/format";
import { PAGE_SIZE, usePatients } from "./api";

function useDebounced(value: string, delayMs: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

export function PatientList() {
  // Search text and page stay in component state, never in the URL, because the text may be an identifier.
  const [searchText, setSearchText] = useState("");
  const search = useDebounced(searchText.trim(), 300);
  // The page belongs to one search: a new search starts again at page 1.
  const [includeArchived, setIncludeArchived] = useState(false);
  const filter = `${search}|${includeArchived}`;
  const [paging, setPaging] = useState({ filter, page: 1 });
  const page = paging.filter === filter ? paging.page : 1;
  const setPage = (next: number) => setPaging({ filter, page: next });
  const patients = usePatients(search, page, includeArchived);

  const total = patients.data?.count ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <>
      <PageHeader
        title="Patients"
        actions={
          <Link href="/patients/new/" className={buttonClasses("primary")}>
            New patient
          </Link>
        }
      />
      <form
        role="search"
        onSubmit={(event) => event.preventDefault()}
        className="mb-4 flex flex-wrap items-end gap-x-6 gap-y-3"
      >
        <div className="w-full max-w-md">
          <label htmlFor="patient-search" className="block text-sm font-medium text-slate-800">
            Search by identifier or name
          </label>
          <input
            id="patient-search"
            type="search"
            value={searchText}
            onChange={(event) => setSearchText(event.target.value)}
            className={`${inputClasses} mt-1`}
            autoComplete="off"
          />
        </div>
        <label className="flex min-h-10 items-center gap-2 text-sm text-slate-800">
          <input
            type="checkbox"
            className="size-4 accent-teal-700"
            checked={includeArchived}
            onChange={(event) => setIncludeArchived(event.target.checked)}
          />
          Include archived patients
        </label>
      </form>
      <PatientResults patients={patients} search={search} />
      {patients.data && total > PAGE_SIZE && (
        <nav aria-label="Pages" className="mt-4 flex items-center justify-between gap-2">
          <Button variant="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </Button>
          <span className="text-sm text-slate-700">
            Page {page} of {pageCount}
          </span>
          <Button variant="secondary" disabled={!patients.data.next} onClick={() => setPage(page + 1)}>
            Next
          </Button>
        </nav>
      )}
    </>
  );
}

function PatientResults({ patients, search }: { patients: ReturnType<typeof usePatients>; search: string }) {
  if (patients.isPending) {
    return <LoadingState label="Loading patients…" />;
  }
  if (patients.isError) {
    return <ErrorState error={patients.error} onRetry={() => void patients.refetch()} />;
  }
  if (patients.data.results.length === 0) {
    return (
      <EmptyState title={search ? "No patient matches this search." : "No patients yet."}>
        {search
          ? "Check the spelling, or search by the clinic's identifier."
          : "Add the first patient to start screening."}
      </EmptyState>
    );
  }

  return (
    <ul
      className="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white"
      aria-busy={patients.isFetching}
    >
      {patients.data.results.map((patient) => (
        <li key={patient.id}>
          <Link
            href={`/patients/view/?id=${patient.id}`}
            className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 px-4 py-3 hover:bg-slate-50 focus-visible:bg-slate-50"
          >
            <span className="min-w-0">
              <span className="font-medium text-teal-900">{patient.identifier}</span>
              {patient.name && <span className="text-slate-700"> · {patient.name}</span>}
              {patient.is_archived && <span className="ml-2 text-sm text-amber-900">(archived)</span>}
            </span>
            <span className="text-sm text-slate-600">
              {[
                patient.sex && patient.sex !== "unknown" ? labelOf(SEXES, patient.sex) : null,
                patient.year_of_birth ? `born ${patient.year_of_birth}` : null,
                `updated ${formatDate(patient.updated_at)}`,
              ]
                .filter(Boolean)
                .join(" · ")}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
