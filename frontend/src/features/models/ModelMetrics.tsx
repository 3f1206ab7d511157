import { cn } from "@/lib/cn";
import { formatPercent } from "@/lib/format";

type Group = Record<string, unknown>;
type Format = "percent" | "decimal" | "milliseconds" | "count";

/** The metrics a clinician reads, in display order, with their labels and how to format them. */
const METRICS: { key: string; label: string; format: Format }[] = [
  { key: "images", label: "Photos evaluated", format: "count" },
  { key: "sensitivity", label: "Sensitivity", format: "percent" },
  { key: "specificity", label: "Specificity", format: "percent" },
  { key: "ppv", label: "PPV (positive predictive value)", format: "percent" },
  { key: "npv", label: "NPV (negative predictive value)", format: "percent" },
  { key: "accuracy", label: "Accuracy", format: "percent" },
  { key: "roc_auc", label: "ROC AUC", format: "decimal" },
  { key: "f1", label: "F1", format: "decimal" },
  { key: "brier_score", label: "Brier score", format: "decimal" },
  { key: "expected_calibration_error_before", label: "Calibration error (ECE) before calibration", format: "decimal" },
  { key: "expected_calibration_error", label: "Calibration error (ECE) after calibration", format: "decimal" },
  { key: "uncertain_share", label: "Share of photos in the uncertain band", format: "percent" },
];

const GROUP_TITLES: Record<string, string> = {
  validation: "Validation set (chooses the threshold)",
  test: "Test set (held out)",
};

function isGroup(value: unknown): value is Group {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function formatValue(value: number, format: Format): string {
  switch (format) {
    case "percent":
      return formatPercent(value, 1);
    case "decimal":
      return value.toFixed(3);
    case "milliseconds":
      return `${value.toFixed(1)} ms`;
    case "count":
      return String(value);
  }
}

/** Return a metric's 95% confidence interval when the group records one as a [low, high] pair. */
function intervalOf(group: Group, key: string): [number, number] | null {
  const intervals = group.confidence_intervals;
  const pair = isGroup(intervals) ? intervals[key] : undefined;
  if (Array.isArray(pair) && pair.length === 2 && pair.every((bound) => typeof bound === "number")) {
    return [pair[0] as number, pair[1] as number];
  }
  return null;
}

function MetricTable({
  title,
  group,
  targetSensitivity,
}: {
  title: string;
  group: Group;
  targetSensitivity: number | null;
}) {
  const rows = METRICS.filter(({ key }) => typeof group[key] === "number");
  if (rows.length === 0) {
    return null;
  }

  return (
    <table className="w-full text-left text-sm">
      <caption className="mb-1 text-left font-semibold text-slate-900">{title}</caption>
      <tbody>
        {rows.map(({ key, label, format }) => {
          const value = group[key] as number;
          const interval = intervalOf(group, key);
          const belowTarget = key === "sensitivity" && targetSensitivity !== null && value < targetSensitivity;
          return (
            <tr key={key} className="border-b border-slate-100 align-top">
              <th scope="row" className="py-1 pr-4 font-normal text-slate-700">
                {label}
              </th>
              <td className={cn("py-1 font-medium text-slate-900", belowTarget && "text-red-800")}>
                {formatValue(value, format)}
                {interval && (
                  <span className="block text-xs font-normal text-slate-600">
                    95% CI {formatValue(interval[0], format)}–{formatValue(interval[1], format)}
                  </span>
                )}
                {belowTarget && (
                  <span className="block text-xs font-semibold">
                    Below the target sensitivity of {formatPercent(targetSensitivity, 0)}
                  </span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RuntimeTable({ runtime }: { runtime: Group }) {
  const served = typeof runtime.served === "string" ? runtime.served : null;
  const latency = typeof runtime.single_image_ms_p50 === "number" ? runtime.single_image_ms_p50 : null;
  if (!served && latency === null) {
    return null;
  }

  return (
    <table className="w-full text-left text-sm">
      <caption className="mb-1 text-left font-semibold text-slate-900">Runtime</caption>
      <tbody>
        {served && (
          <tr className="border-b border-slate-100">
            <th scope="row" className="py-1 pr-4 font-normal text-slate-700">
              Served by
            </th>
            <td className="py-1 font-medium text-slate-900">{served}</td>
          </tr>
        )}
        {latency !== null && (
          <tr className="border-b border-slate-100">
            <th scope="row" className="py-1 pr-4 font-normal text-slate-700">
              Single-photo latency (median)
            </th>
            <td className="py-1 font-medium text-slate-900">{formatValue(latency, "milliseconds")}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** The model card's validation, test and runtime figures with readable labels and 95% confidence intervals. */
export function ModelMetrics({
  metrics,
  targetSensitivity,
}: {
  metrics: Record<string, unknown>;
  targetSensitivity: number | null;
}) {
  const evaluated = Object.entries(GROUP_TITLES).filter(([key]) => isGroup(metrics[key]));
  const runtime = isGroup(metrics.runtime) ? metrics.runtime : null;
  if (evaluated.length === 0 && !runtime) {
    return <p className="text-sm text-slate-700">No metrics were recorded for this version.</p>;
  }

  return (
    <div className="space-y-3">
      <div className="grid gap-4 md:grid-cols-2">
        {evaluated.map(([key, title]) => (
          <MetricTable key={key} title={title} group={metrics[key] as Group} targetSensitivity={targetSensitivity} />
        ))}
        {runtime && <RuntimeTable runtime={runtime} />}
      </div>
      {evaluated.length > 0 && (
        <p className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          These figures come from a held-out part of the same public photo collection the model was trained on. Photos
          from other cameras and clinics usually score lower: evaluate the model on your clinic&apos;s own labelled
          photos before relying on it.
        </p>
      )}
    </div>
  );
}
