"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { messageOf } from "@/api/errors";
import type { CaseImage, ModelVersion, Prediction } from "@/api/types";
import { useAnnounce } from "@/components/Announcer";
import { Button } from "@/components/Button";
import { HyphenBreaks } from "@/components/HyphenBreaks";
import { cn } from "@/lib/cn";
import { formatProbability, formatWait } from "@/lib/format";
import { riskText } from "@/lib/labels";
import { useModelVersions, useTargetSensitivity } from "@/features/models/api";
import { useImage, useReclassify } from "./api";
import { PredictionBadge } from "./badges";
import { ExcludeForm } from "./ExcludeForm";

// Warnings from the photo's exposure and sharpness checks (diagnosis/intake.py), which can make an estimate unreliable.
// The other warnings (a GIF's colours, an unread colour profile or orientation) do not mark the result.
const QUALITY_PROBLEMS = new Set(["too_dark", "too_bright", "clipped", "blurry"]);

/** Show a photo on the case page with its live analysis state and, once finished, its result card. */
export function ImageCard({
  image: initial,
  number,
  canExclude,
  canReanalyse,
}: {
  image: CaseImage;
  number: number;
  canExclude: boolean;
  canReanalyse: boolean;
}) {
  const query = useImage(initial);
  const image = query.data;
  const prediction = image.latest_prediction ?? null;
  const [showHeatmap, setShowHeatmap] = useState(false);
  const name = `Photo ${number}`;

  useAnnounceChanges(name, prediction);

  const heatmapUrl =
    prediction?.status === "succeeded" ? (prediction.heatmap_url ?? `/api/images/${image.id}/heatmap/`) : null;
  const photoUrl = image.file_url ?? `/api/images/${image.id}/file/`;

  return (
    <article
      className="overflow-hidden rounded-lg border border-slate-200 bg-white"
      aria-labelledby={`image-${image.id}-title`}
      data-testid="image-card"
    >
      <div className="relative aspect-[4/3] bg-slate-100">
        {/* eslint-disable-next-line @next/next/no-img-element -- private API images, no optimiser in a static export */}
        <img
          src={photoUrl}
          alt={`${name}, intra-oral photograph`}
          className="absolute inset-0 size-full object-contain"
        />
        {heatmapUrl && showHeatmap && (
          // eslint-disable-next-line @next/next/no-img-element -- as above
          <img
            src={heatmapUrl}
            alt={`${name}, heat map of the regions that drove the estimate`}
            className="absolute inset-0 size-full object-contain"
          />
        )}
      </div>
      <div className="space-y-3 p-4">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <div className="min-w-0">
            <h3 id={`image-${image.id}-title`} className="font-medium text-slate-900">
              {name}
            </h3>
            {image.original_filename && (
              <p className="text-xs break-all text-slate-600" data-testid="original-filename">
                {image.original_filename}
              </p>
            )}
          </div>
          {/* A finished result and the wait for a model are stated below the photo, so the badge would repeat them. */}
          {prediction?.status !== "succeeded" && prediction?.status !== "waiting_for_model" && (
            <PredictionBadge prediction={prediction} />
          )}
        </div>
        {heatmapUrl && (
          <Button variant="secondary" aria-pressed={showHeatmap} onClick={() => setShowHeatmap(!showHeatmap)}>
            {showHeatmap ? "Hide heat map" : "Show heat map"}
          </Button>
        )}
        {heatmapUrl && showHeatmap && <HeatmapKey />}
        <QualityWarnings image={image} />
        <PredictionState
          imageId={image.id}
          prediction={prediction}
          qualityProblem={(image.quality_warnings ?? []).some((warning) => QUALITY_PROBLEMS.has(warning.code))}
          canReanalyse={canReanalyse}
        />
        {query.isError && <p className="text-sm text-red-800">Live updates stopped: {messageOf(query.error)}</p>}
        {canExclude && <ExcludeForm image={image} name={name} />}
      </div>
    </article>
  );
}

function useAnnounceChanges(name: string, prediction: Prediction | null) {
  const announce = useAnnounce();
  const previous = useRef(prediction?.status);

  useEffect(() => {
    const status = prediction?.status;
    if (status === previous.current) {
      return;
    }
    previous.current = status;
    if (status === "running") {
      announce(`${name}: analysis started.`);
    } else if (status === "succeeded") {
      announce(`${name}: result ready, ${riskText(prediction?.label)}.`);
    } else if (status === "failed") {
      announce(`${name}: analysis failed.`);
    }
  }, [announce, name, prediction?.status, prediction?.label]);
}

/**
 * Draw the colour key of the heat map. The overlay (ml/gradcam.py) blends matplotlib's "jet" colours over the photo
 * with an opacity that grows with the value, so low values leave the photo uncoloured and high ones tint it yellow to
 * red.
 */
function HeatmapKey() {
  return (
    <div className="text-xs text-slate-700" data-testid="heatmap-key">
      <div className="flex items-center gap-2" aria-hidden="true">
        <span>Little effect</span>
        <div className="h-2 flex-1 rounded-sm border border-slate-300 bg-[linear-gradient(to_right,transparent,rgb(127_255_127/0.25)_45%,rgb(255_230_0/0.6)_65%,rgb(230_0_0/0.8)_90%,rgb(127_0_0/0.8))]" />
        <span>Most</span>
      </div>
      <p className="mt-1">Coloured: regions that most raised the estimate (red most). Uncoloured: little effect.</p>
    </div>
  );
}

function QualityWarnings({ image }: { image: CaseImage }) {
  const warnings = (image.quality_warnings ?? []).map((warning) => warning.message);
  if (warnings.length === 0) {
    return null;
  }
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
      <p className="font-medium">Photo quality</p>
      <ul className="mt-1 list-disc pl-5">
        {warnings.map((warning) => (
          <li key={warning}>{warning}</li>
        ))}
      </ul>
    </div>
  );
}

function PredictionState({
  imageId,
  prediction,
  qualityProblem,
  canReanalyse,
}: {
  imageId: number;
  prediction: Prediction | null;
  qualityProblem: boolean;
  canReanalyse: boolean;
}) {
  const reclassify = useReclassify(imageId);

  if (!prediction) {
    return <p className="text-sm text-slate-700">Not analysed yet.</p>;
  }
  switch (prediction.status) {
    case "waiting_for_model":
      return <p className="text-sm text-slate-700">Waiting for a model: analysed automatically when one is active.</p>;
    case "queued":
      return (
        <Pending>
          Queued
          {prediction.queue_position ? `, position ${prediction.queue_position}` : ""}
          {prediction.estimated_wait_seconds ? `, ${formatWait(prediction.estimated_wait_seconds)}` : ""}.
        </Pending>
      );
    case "running":
      return <Pending>Analysing the photo…</Pending>;
    case "failed":
      return (
        <div className="space-y-2 text-sm">
          <p className="text-red-800">{prediction.error_message || "The analysis failed."}</p>
          {canReanalyse && (
            <Button variant="secondary" disabled={reclassify.isPending} onClick={() => reclassify.mutate()}>
              Analyse again
            </Button>
          )}
          {reclassify.isError && <p className="text-red-800">{messageOf(reclassify.error)}</p>}
        </div>
      );
    case "succeeded":
      return <ResultCard prediction={prediction} qualityProblem={qualityProblem} />;
  }
}

/** One term and value; a short value stays on its term's line, a long one (a version name) may wrap below it. */
function ResultRow({ term, value, long = false }: { term: string; value: string; long?: boolean }) {
  return (
    <div className={cn("flex items-baseline justify-between gap-x-3", long && "flex-wrap")}>
      <dt className="min-w-0">{term}</dt>
      <dd className={cn("font-semibold", long ? "min-w-0" : "shrink-0 whitespace-nowrap")}>
        {long ? <HyphenBreaks text={value} /> : value}
      </dd>
    </div>
  );
}

function Pending({ children }: { children: ReactNode }) {
  return (
    <p className="flex items-center gap-2 text-sm text-slate-700">
      <span
        aria-hidden="true"
        className="size-4 shrink-0 animate-spin rounded-full border-2 border-slate-300 border-t-teal-700 motion-reduce:animate-none"
      />
      <span>{children}</span>
    </p>
  );
}

const RESULT_STYLES: Record<string, string> = {
  high_risk: "border-red-300 bg-red-50 text-red-950",
  uncertain: "border-amber-300 bg-amber-50 text-amber-950",
  low_risk: "border-emerald-300 bg-emerald-50 text-emerald-950",
};

/** Format a share such as 0.95 as "95%", keeping one decimal only where it matters ("92.5%"). */
function formatShare(value: number): string {
  return `${Number((value * 100).toFixed(1))}%`;
}

/**
 * Explain how the label follows from the probability: the model version's uncertain range around its referral
 * threshold, and the sensitivity the threshold was chosen for. The range comes from ml/calibration.py, where a photo
 * below uncertain_low is low risk and one at or above uncertain_high is high risk.
 */
function bandExplanation(prediction: Prediction, version: ModelVersion | undefined, target: number | null): string {
  const threshold = formatProbability(prediction.threshold);
  const chosenFor =
    target === null
      ? ""
      : `, which was chosen so that it caught ${formatShare(target)} of the cancers among validation photos`;
  if (!version) {
    return `Referral threshold: ${threshold}${chosenFor}.`;
  }
  const low = formatProbability(version.uncertain_low);
  const high = formatProbability(version.uncertain_high);
  return (
    `Uncertain range: ${low} to ${high}, around the referral threshold of ${threshold}${chosenFor}. ` +
    `Photos in this range go to specialist review. Below ${low} a photo is low risk, and from ${high} high risk (refer).`
  );
}

/**
 * Show the model's estimate in clinician terms, with the statement that it is not a diagnosis. A photo with quality
 * warnings gets a warning style and a note instead of the label's colour, because its estimate may be unreliable.
 */
export function ResultCard({
  prediction,
  qualityProblem = false,
}: {
  prediction: Prediction;
  qualityProblem?: boolean;
}) {
  const versions = useModelVersions();
  const version = versions.data?.find((candidate) => candidate.name === prediction.model_version);
  const target = useTargetSensitivity(version);
  const style = qualityProblem
    ? "border-amber-400 bg-amber-50 text-amber-950"
    : (RESULT_STYLES[prediction.label ?? ""] ?? "border-slate-300 bg-slate-50");

  return (
    <section aria-label="Model result" className={cn("rounded-md border p-3", style)}>
      <p className="text-lg font-semibold">{riskText(prediction.label)}</p>
      {qualityProblem && (
        <p className="mt-1 text-sm font-medium" data-testid="quality-problem">
          <span aria-hidden="true">⚠ </span>Photo quality problem: this result may be unreliable. Retake the photo if
          you can.
        </p>
      )}
      <dl className="mt-2 space-y-1 text-sm">
        <ResultRow term="Estimated probability of cancer" value={formatProbability(prediction.probability)} />
        <ResultRow term="Model version" value={prediction.model_version || "unknown"} long />
      </dl>
      <p className="mt-2 text-sm" data-testid="decision-band">
        {bandExplanation(prediction, version, target)}
      </p>
      <p className="mt-3 text-xs">
        This estimate supports your clinical decision. It is not a diagnosis: examine the patient and refer by your
        clinical judgement.
      </p>
    </section>
  );
}
