"use client";

import { PageHeader } from "@/components/PageHeader";
import { ErrorState, LoadingState } from "@/components/states";
import { useMe } from "@/features/auth/api";
import { usePatient } from "./api";
import { ArchivedNotice } from "./ArchivedNotice";
import { PatientForm } from "./PatientForm";

/** The create form (id null) or the edit form of one patient, once the user and the patient have loaded. */
export function PatientEditor({ id, editing = false }: { id: number | null; editing?: boolean }) {
  const me = useMe();
  const patient = usePatient(id);

  if (editing && id === null) {
    return <ErrorState error={null} title="No patient chosen" message="Open a patient from the patients list." />;
  }
  if (me.isPending || (id !== null && patient.isPending)) {
    return <LoadingState />;
  }
  if (me.isError) {
    return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  }
  if (patient.isError) {
    return <ErrorState error={patient.error} onRetry={() => void patient.refetch()} />;
  }
  if (patient.data?.is_archived) {
    return (
      <>
        <PageHeader title={`Edit ${patient.data.identifier}`} />
        <ArchivedNotice />
      </>
    );
  }

  return (
    <>
      <PageHeader title={patient.data ? `Edit ${patient.data.identifier}` : "New patient"} />
      <PatientForm key={patient.data?.id ?? "new"} patient={patient.data} me={me.data} />
    </>
  );
}
