import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/api/client";
import type {
  Case,
  CaseDetail,
  CaseImage,
  CaseStatus,
  LesionSite,
  Paginated,
  Prediction,
  Review,
  ReviewInput,
  RiskLabel,
} from "@/api/types";
import { patientKeys } from "@/features/patients/api";

const POLL_INTERVAL_MS = 2000;
const FINAL_STATES = new Set(["succeeded", "failed"]);

export const caseKeys = {
  detail: (id: number) => ["cases", "detail", id] as const,
  images: (id: number) => ["cases", "images", id] as const,
  reviews: (id: number) => ["cases", "reviews", id] as const,
  queue: ["cases", "queue"] as const,
  image: (id: number) => ["images", id] as const,
};

function listOf<T>(body: Paginated<T> | T[]): T[] {
  return Array.isArray(body) ? body : body.results;
}

export function isFinal(prediction: Prediction | null | undefined): boolean {
  // No prediction at all and waiting for a model are not final, but there is nothing to watch quickly either.
  return !!prediction && FINAL_STATES.has(prediction.status);
}

export function useCase(id: number | null) {
  return useQuery({
    queryKey: caseKeys.detail(id ?? 0),
    queryFn: ({ signal }) => apiRequest<CaseDetail>(`/api/cases/${id}/`, { signal }),
    enabled: id !== null,
  });
}

/** Fetch the case's photos, excluded ones included (marked by `is_excluded`), so the page can list them apart. */
export function useCaseImages(id: number | null) {
  return useQuery({
    queryKey: caseKeys.images(id ?? 0),
    queryFn: async ({ signal }) =>
      listOf(
        await apiRequest<Paginated<CaseImage> | CaseImage[]>(`/api/cases/${id}/images/`, {
          query: { include_excluded: 1 },
          signal,
        }),
      ),
    enabled: id !== null,
  });
}

/** Fetch one image and poll it while its latest prediction is not in a final state. */
export function useImage(image: CaseImage) {
  return useQuery({
    queryKey: caseKeys.image(image.id),
    queryFn: ({ signal }) => apiRequest<CaseImage>(`/api/images/${image.id}/`, { signal }),
    initialData: image,
    staleTime: 0,
    refetchInterval: (query) => {
      const prediction = query.state.data?.latest_prediction;
      if (query.state.status === "error" || isFinal(prediction)) {
        return false;
      }
      // Nothing moves until a model is activated (or a classification is requested), so look less often.
      const idle = !prediction || prediction.status === "waiting_for_model";
      return idle ? POLL_INTERVAL_MS * 5 : POLL_INTERVAL_MS;
    },
  });
}

export function useReclassify(imageId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<Prediction>(`/api/images/${imageId}/predictions/`, { method: "POST" }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: caseKeys.image(imageId) });
    },
  });
}

export function useCreateCase() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (values: {
      patient: number;
      lesion_site: LesionSite;
      lesion_description: string;
      encounter_date: string;
    }) => apiRequest<Case>("/api/cases/", { method: "POST", body: values }),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: patientKeys.cases(created.patient) });
    },
  });
}

export function useChangeCaseStatus(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: { status: CaseStatus; assigned_specialist?: number | null }) =>
      apiRequest<CaseDetail>(`/api/cases/${id}/`, { method: "PATCH", body: change }),
    onSuccess: async (updated) => {
      queryClient.setQueryData(caseKeys.detail(id), updated);
      await queryClient.invalidateQueries({ queryKey: caseKeys.queue });
    },
  });
}

export function useReviews(caseId: number | null) {
  return useQuery({
    queryKey: caseKeys.reviews(caseId ?? 0),
    queryFn: async ({ signal }) =>
      listOf(await apiRequest<Paginated<Review> | Review[]>(`/api/cases/${caseId}/reviews/`, { signal })),
    enabled: caseId !== null,
  });
}

export function useCreateReview(caseId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (values: ReviewInput) =>
      apiRequest<Review>(`/api/cases/${caseId}/reviews/`, { method: "POST", body: values }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: caseKeys.reviews(caseId) });
      await queryClient.invalidateQueries({ queryKey: caseKeys.detail(caseId) });
      await queryClient.invalidateQueries({ queryKey: caseKeys.queue });
    },
  });
}

export function useUpdateReview(caseId: number, reviewId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (values: Pick<ReviewInput, "histopathology_result" | "histopathology_notes">) =>
      apiRequest<Review>(`/api/reviews/${reviewId}/`, { method: "PATCH", body: values }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: caseKeys.reviews(caseId) });
    },
  });
}

/** Cases awaiting review in the user's clinics, or only those referred to the user, optionally of one risk label. */
export function useReviewQueue(page: number, onlyMine: boolean, riskLabel: RiskLabel | null = null) {
  return useQuery({
    queryKey: [...caseKeys.queue, page, onlyMine, riskLabel],
    queryFn: ({ signal }) =>
      apiRequest<Paginated<Case>>("/api/cases/", {
        query: {
          status: "awaiting_review",
          page,
          assigned_to: onlyMine ? "me" : undefined,
          risk_label: riskLabel ?? undefined,
        },
        signal,
      }),
  });
}
