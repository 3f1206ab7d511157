"use client";

import type { ModelVersion, TrainingRun } from "@/api/types";
import { Badge } from "@/components/Badge";
import { HyphenBreaks } from "@/components/HyphenBreaks";
import { PageHeader } from "@/components/PageHeader";
import { cn } from "@/lib/cn";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { formatDateTime, formatPercent, formatProbability } from "@/lib/format";
import { isRunning, useModelVersions, useTargetSensitivity, useTrainingRuns } from "./api";
import { ModelMetrics } from "./ModelMetrics";

export function ModelsView() {
  const versions = useModelVersions();

  if (versions.isPending) {
    return <LoadingState label="Loading models…" />;
  }
  if (versions.isError) {
    return <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />;
  }

  const active = versions.data.find((version) => version.status === "active");
  const others = versions.data.filter((version) => version !== active);

  return (
    <>
      <PageHeader
        title="Models"
        subtitle="The classifier that analyses photos, its measured performance and its operating point."
      />
      {active ? <ActiveModel version={active} /> : <NoActiveModel />}
      {others.length > 0 && (
        <section aria-labelledby="other-models" className="mt-8">
          <h2 id="other-models" className="mb-3 text-lg font-semibold text-slate-900">
            Other versions
          </h2>
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {others.map((version) => (
              <li key={version.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm">
                <span className="font-medium">
                  <HyphenBreaks text={version.name} />
                </span>
                <Badge>{version.status}</Badge>
              </li>
            ))}
          </ul>
        </section>
      )}
      <TrainingRuns />
    </>
  );
}

/** Explain why photos wait: a run in progress activates its model when it ends, otherwise someone must train one. */
function NoActiveModel() {
  const runs = useTrainingRuns();
  const training = (runs.data ?? []).find((run) => isRunning(run));

  if (training) {
    return (
      <EmptyState title="No model is active yet.">
        A model is being trained (epoch {training.epoch} of {training.total_epochs}); photos are analysed as soon as it
        is ready.
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No model is active.">
      An administrator can train one with{" "}
      <code className="rounded bg-slate-100 px-1">python manage.py train_model --data DIR --activate</code>.
    </EmptyState>
  );
}

function TrainingRuns() {
  const runs = useTrainingRuns();

  let content;
  if (runs.isPending) {
    content = <LoadingState label="Loading training runs…" />;
  } else if (runs.isError) {
    content = <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />;
  } else if (runs.data.length === 0) {
    content = <EmptyState title="No training runs yet." />;
  } else {
    content = (
      <ul className="space-y-3">
        {runs.data.slice(0, 5).map((run) => (
          <li key={run.id} className="rounded-lg border border-slate-200 bg-white p-4">
            <TrainingProgress run={run} />
          </li>
        ))}
      </ul>
    );
  }

  return (
    <section aria-labelledby="training-runs" className="mt-8">
      <h2 id="training-runs" className="mb-3 text-lg font-semibold text-slate-900">
        Training runs
      </h2>
      {content}
    </section>
  );
}

const PLOT_CAPTIONS: Record<string, string> = {
  roc_curve: "ROC curve",
  training_history: "Training history",
  confusion_matrix: "Confusion matrix",
  reliability_diagram: "Reliability diagram",
};

// The training history has one panel per metric side by side, too small to read in half the width.
const WIDE_PLOTS = new Set(["training_history"]);

function plotCaption(name: string): string {
  const words = name.replaceAll("_", " ");
  return PLOT_CAPTIONS[name] ?? words.charAt(0).toUpperCase() + words.slice(1);
}

function ActiveModel({ version }: { version: ModelVersion }) {
  const targetSensitivity = useTargetSensitivity(version);
  const plots = Object.entries(version.plots ?? {}).map(([name, url]) => ({ name, caption: plotCaption(name), url }));

  return (
    <section aria-labelledby="active-model" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="active-model" className="min-w-0 text-lg font-semibold text-slate-900">
          <HyphenBreaks text={version.name} />
        </h2>
        <Badge tone="success">Active</Badge>
      </div>
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-3">
        <Metric term="Referral threshold" value={formatProbability(version.threshold)} />
        <Metric
          term="Uncertain band"
          value={`${formatProbability(version.uncertain_low)} to ${formatProbability(version.uncertain_high)}`}
        />
        <Metric term="Activated" value={formatDateTime(version.activated_at)} />
        {targetSensitivity !== null && <Metric term="Target sensitivity" value={formatPercent(targetSensitivity, 0)} />}
      </dl>
      <ModelMetrics metrics={version.metrics ?? {}} targetSensitivity={targetSensitivity} />
      {plots.length > 0 && (
        <div>
          <h3 className="mb-2 font-semibold text-slate-900">Training plots</h3>
          <div className="grid gap-4 md:grid-cols-2">
            {plots.map((plot) => (
              <figure
                key={plot.url}
                className={cn("rounded-md border border-slate-200 p-2", WIDE_PLOTS.has(plot.name) && "md:col-span-2")}
                data-testid="model-plot"
              >
                <a href={plot.url} target="_blank" rel="noopener" title={`Open the ${plot.caption} at full size`}>
                  {/* eslint-disable-next-line @next/next/no-img-element -- served by the API, no optimiser in a static export */}
                  <img src={plot.url} alt={`${plot.caption} (opens full size in a new tab)`} className="w-full" />
                </a>
                <figcaption className="mt-1 text-xs text-slate-600">{plot.caption}</figcaption>
              </figure>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}

function Metric({ term, value }: { term: string; value: string }) {
  return (
    <div className="rounded-md bg-slate-50 p-3">
      <dt className="text-slate-600">{term}</dt>
      <dd className="text-base font-semibold text-slate-900">{value}</dd>
    </div>
  );
}

function TrainingProgress({ run }: { run: TrainingRun }) {
  const fraction = run.total_epochs > 0 ? run.epoch / run.total_epochs : 0;
  const text = `Run ${run.id}, ${run.status}${run.phase ? ` (${run.phase.replaceAll("_", " ")})` : ""}: epoch ${run.epoch} of ${run.total_epochs}, started ${formatDateTime(run.started_at ?? run.created_at)}`;
  return (
    <div className="text-sm">
      <label htmlFor={`run-${run.id}`} className="text-slate-700">
        {text}
      </label>
      <progress
        id={`run-${run.id}`}
        max={100}
        value={Math.round(fraction * 100)}
        className="mt-1 block h-2 w-full accent-teal-700"
      />
      {run.error_message && <p className="mt-1 text-red-800">{run.error_message}</p>}
    </div>
  );
}
