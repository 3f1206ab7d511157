"use client";

import { PatientEditor } from "@/features/patients/PatientEditor";
import { useIdParam } from "@/lib/useIdParam";

export default function EditPatientPage() {
  return <PatientEditor id={useIdParam("id")} editing />;
}
