import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/api/client";
import type { ModelVersion, Paginated, TrainingRun } from "@/api/types";

const RUNNING = new Set(["pending", "running"]);

function trainingRunOf(version: ModelVersion): TrainingRun | null {
  return typeof version.training_run === "object" ? (version.training_run ?? null) : null;
}

/** Model versions, polled every few seconds while one of their training runs is still going. */
export function useModelVersions() {
  return useQuery({
    queryKey: ["models"],
    queryFn: async ({ signal }) => {
      const body = await apiRequest<Paginated<ModelVersion> | ModelVersion[]>("/api/models/", { signal });
      return Array.isArray(body) ? body : body.results;
    },
    refetchInterval: (query) =>
      (query.state.data ?? []).some((version) => RUNNING.has(trainingRunOf(version)?.status ?? "")) ? 5000 : false,
  });
}

export { trainingRunOf };
