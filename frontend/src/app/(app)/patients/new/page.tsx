"use client";

import { PatientEditor } from "@/features/patients/PatientEditor";

export default function NewPatientPage() {
  return <PatientEditor id={null} />;
}
