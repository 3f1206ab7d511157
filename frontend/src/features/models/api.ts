import { useQuery } from "@tanstack/react-query";
import { apiRequest } from "@/api/client";
import type { ModelVersion, Paginated, TrainingRun } from "@/api/types";

const RUNNING = new Set(["pending", "running"]);

function listOf<T>(body: Paginated<T> | T[]): T[] {
  return Array.isArray(body) ? body : body.results;
}

export function isRunning(run: TrainingRun): boolean {
  return RUNNING.has(run.status);
}

/** Model versions; polled while none is active, because a training run activates its model when it ends. */
export function useModelVersions() {
  return useQuery({
    queryKey: ["models"],
    queryFn: async ({ signal }) =>
      listOf(await apiRequest<Paginated<ModelVersion> | ModelVersion[]>("/api/models/", { signal })),
    refetchInterval: (query) =>
      query.state.data && !query.state.data.some((version) => version.status === "active") ? 10_000 : false,
  });
}

/** Training runs, newest first, polled every few seconds while one of them is still going. */
export function useTrainingRuns() {
  return useQuery({
    queryKey: ["training-runs"],
    queryFn: async ({ signal }) =>
      listOf(await apiRequest<Paginated<TrainingRun> | TrainingRun[]>("/api/training-runs/", { signal })),
    refetchInterval: (query) => ((query.state.data ?? []).some(isRunning) ? 5000 : false),
  });
}

/** Read the target sensitivity the version's training run chose its threshold for, if the run is listed. */
export function useTargetSensitivity(version: ModelVersion | undefined): number | null {
  const runs = useTrainingRuns();
  const run = (runs.data ?? []).find((candidate) => version !== undefined && candidate.id === version.training_run);
  const target = Number(run?.parameters.target_sensitivity);
  return Number.isFinite(target) && target > 0 && target <= 1 ? target : null;
}
