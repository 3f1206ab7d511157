import { PatientList } from "@/features/patients/PatientList";

export default function PatientsPage() {
  return <PatientList />;
}
