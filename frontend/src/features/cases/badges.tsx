import type { Case, CaseStatus, Prediction, RiskLabel } from "@/api/types";
import { Badge, type Tone } from "@/components/Badge";
import { formatProbability } from "@/lib/format";
import { CASE_STATUSES, labelOf, PREDICTION_STATUSES, riskText } from "@/lib/labels";

const RISK_TONES: Record<string, Tone> = { high_risk: "danger", uncertain: "warning", low_risk: "success" };
const CASE_TONES: Record<CaseStatus, Tone> = { open: "info", awaiting_review: "warning", closed: "neutral" };

/** Show a risk label in the result card's words, for example "High risk (refer)", so it reads the same everywhere. */
export function RiskBadge({ label }: { label: RiskLabel }) {
  return <Badge tone={RISK_TONES[label] ?? "neutral"}>{riskText(label)}</Badge>;
}

export function PredictionBadge({ prediction }: { prediction: Prediction | null | undefined }) {
  if (!prediction) {
    return <Badge>Not analysed</Badge>;
  }
  if (prediction.status === "succeeded" && prediction.label) {
    return <RiskBadge label={prediction.label} />;
  }
  return (
    <Badge tone={prediction.status === "failed" ? "danger" : "info"}>
      {labelOf(PREDICTION_STATUSES, prediction.status)}
    </Badge>
  );
}

export function CaseStatusBadge({ status }: { status: CaseStatus }) {
  return <Badge tone={CASE_TONES[status] ?? "neutral"}>{labelOf(CASE_STATUSES, status)}</Badge>;
}

type CaseRisk = Pick<Case, "image_count" | "risk_label" | "max_probability" | "pending_predictions">;

/**
 * Show a case's model result in a case list: the most severe latest result among its photos, the highest estimated
 * probability and how many photos still wait for a result. A case without photos shows nothing.
 */
export function CaseRiskSummary({ item }: { item: CaseRisk }) {
  if (item.image_count === 0) {
    return null;
  }

  const pending = item.pending_predictions;
  return (
    <span className="flex flex-wrap items-center gap-2 text-sm text-slate-700" data-testid="case-risk">
      <span>Model result</span>
      {item.risk_label ? <RiskBadge label={item.risk_label} /> : <Badge>{riskText(null)}</Badge>}
      {item.risk_label && item.max_probability !== null && (
        <span>highest estimated probability {formatProbability(item.max_probability)}</span>
      )}
      {pending > 0 && (
        <Badge tone="info">
          {pending} result{pending === 1 ? "" : "s"} pending
        </Badge>
      )}
    </span>
  );
}

/** State, next to a list of case results, that the results support the clinician's decision and are not a diagnosis. */
export function CaseRiskNote() {
  return (
    <p className="text-xs text-slate-700" data-testid="case-risk-note">
      Model result: the most severe latest result among the case&apos;s photos. It supports your clinical decision. It
      is not a diagnosis: examine the patient and refer by your clinical judgement.
    </p>
  );
}
