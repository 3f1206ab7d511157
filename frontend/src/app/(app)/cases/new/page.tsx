"use client";

import { PageHeader } from "@/components/PageHeader";
import { ErrorState, LoadingState } from "@/components/states";
import { CaseForm } from "@/features/cases/CaseForm";
import { usePatient } from "@/features/patients/api";
import { ArchivedNotice } from "@/features/patients/ArchivedNotice";
import { useIdParam } from "@/lib/useIdParam";

export default function NewCasePage() {
  const patientId = useIdParam("patient");
  const patient = usePatient(patientId);

  if (patientId === null) {
    return <ErrorState error={null} title="No patient chosen" message="Open a case from a patient's page." />;
  }
  if (patient.isPending) {
    return <LoadingState />;
  }
  if (patient.isError) {
    return <ErrorState error={patient.error} onRetry={() => void patient.refetch()} />;
  }

  return (
    <>
      <PageHeader title="Open a case" subtitle={`Patient ${patient.data.identifier}`} />
      {patient.data.is_archived ? <ArchivedNotice /> : <CaseForm patientId={patientId} />}
    </>
  );
}
