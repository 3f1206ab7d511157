"use client";

import { CaseView } from "@/features/cases/CaseView";
import { useIdParam } from "@/lib/useIdParam";

export default function CasePage() {
  return <CaseView id={useIdParam("id")} />;
}
