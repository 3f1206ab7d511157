import type { CaseStatus, Prediction } from "@/api/types";
import { Badge, type Tone } from "@/components/Badge";
import { CASE_STATUSES, labelOf, PREDICTION_STATUSES, riskText } from "@/lib/labels";

const RISK_TONES: Record<string, Tone> = { high_risk: "danger", uncertain: "warning", low_risk: "success" };
const CASE_TONES: Record<CaseStatus, Tone> = { open: "info", awaiting_review: "warning", closed: "neutral" };

export function PredictionBadge({ prediction }: { prediction: Prediction | null | undefined }) {
  if (!prediction) {
    return <Badge>Not analysed</Badge>;
  }
  if (prediction.status === "succeeded" && prediction.label) {
    return <Badge tone={RISK_TONES[prediction.label] ?? "neutral"}>{riskText(prediction.label)}</Badge>;
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
