import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/api/client";
import type { ModelVersion, Paginated, TrainingRun } from "@/api/types";

const RUNNING = new Set(["pending", "running"]);

function listOf<T>(body: Paginated<T> | T[]): T[] {
  return Array.isArray(body) ? body : body.results;
}

export function useModelVersions() {
  return useQuery({
    queryKey: ["models"],
    queryFn: async ({ signal }) =>
      listOf(await apiRequest<Paginated<ModelVersion> | ModelVersion[]>("/api/models/", { signal })),
  });
}

/** Training runs, newest first, polled every few seconds while one of them is still going. */
export function useTrainingRuns() {
  return useQuery({
    queryKey: ["training-runs"],
    queryFn: async ({ signal }) =>
      listOf(await apiRequest<Paginated<TrainingRun> | TrainingRun[]>("/api/training-runs/", { signal })),
    refetchInterval: (query) => ((query.state.data ?? []).some((run) => RUNNING.has(run.status)) ? 5000 : false),
  });
}
