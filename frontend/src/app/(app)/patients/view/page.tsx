"use client";

import { PatientView } from "@/features/patients/PatientView";
import { useIdParam } from "@/lib/useIdParam";

export default function PatientPage() {
  return <PatientView id={useIdParam("id")} />;
}
