import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/api/client";
import type { Case, Paginated, Patient, PatientInput } from "@/api/types";

export const PAGE_SIZE = 25;

export const patientKeys = {
  all: ["patients"] as const,
  list: (search: string, page: number, includeArchived: boolean) =>
    ["patients", "list", search, page, includeArchived] as const,
  detail: (id: number) => ["patients", "detail", id] as const,
  cases: (id: number) => ["patients", "cases", id] as const,
};

export function usePatients(search: string, page: number, includeArchived = false) {
  return useQuery({
    queryKey: patientKeys.list(search, page, includeArchived),
    queryFn: ({ signal }) =>
      apiRequest<Paginated<Patient>>("/api/patients/", {
        query: { search, page, include_archived: includeArchived ? "true" : undefined },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

export function usePatient(id: number | null) {
  return useQuery({
    queryKey: patientKeys.detail(id ?? 0),
    queryFn: ({ signal }) => apiRequest<Patient>(`/api/patients/${id}/`, { signal }),
    enabled: id !== null,
  });
}

/** The patient's cases, newest first; accepts a paginated or a plain list answer. */
export function usePatientCases(id: number | null) {
  return useQuery({
    queryKey: patientKeys.cases(id ?? 0),
    queryFn: async ({ signal }) => {
      const body = await apiRequest<Paginated<Case> | Case[]>(`/api/patients/${id}/cases/`, { signal });
      return Array.isArray(body) ? body : body.results;
    },
    enabled: id !== null,
  });
}

/** Archive a patient (hidden from the list, records kept) or bring an archived one back. */
export function useArchivePatient(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (archived: boolean) =>
      apiRequest<Patient>(`/api/patients/${id}/${archived ? "archive" : "unarchive"}/`, { method: "POST" }),
    onSuccess: async (patient) => {
      queryClient.setQueryData(patientKeys.detail(patient.id), patient);
      await queryClient.invalidateQueries({ queryKey: patientKeys.all });
      // Every cached case includes patient_is_archived, which is now stale. The key is spelled out because the cases
      // feature's api module imports this one.
      await queryClient.invalidateQueries({ queryKey: ["cases"] });
    },
  });
}

export function useSavePatient(id: number | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (values: PatientInput) =>
      id === null
        ? apiRequest<Patient>("/api/patients/", { method: "POST", body: values })
        : apiRequest<Patient>(`/api/patients/${id}/`, { method: "PATCH", body: values }),
    onSuccess: async (patient) => {
      queryClient.setQueryData(patientKeys.detail(patient.id), patient);
      await queryClient.invalidateQueries({ queryKey: patientKeys.all });
    },
  });
}
