"use client";

import { useSearchParams } from "next/navigation";

/** Read a positive integer id from the query string, or null when it is missing or malformed. */
export function useIdParam(name: string): number | null {
  const value = useSearchParams().get(name);
  if (!value || !/^\d+$/.test(value)) {
    return null;
  }
  const id = Number(value);
  return id > 0 ? id : null;
}
