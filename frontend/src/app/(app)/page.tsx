"use client";

import { useEffect } from "react";
import { LoadingState } from "@/components/states";

export default function HomePage() {
  useEffect(() => {
    window.location.replace("/patients/");
  }, []);

  return <LoadingState label="Opening patients…" />;
}
