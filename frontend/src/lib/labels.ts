import type { CaseStatus, Exposure, LesionSite, PredictionStatus, RiskLabel, Sex } from "@/api/types";

export const LESION_SITES: Record<LesionSite, string> = {
  upper_lip: "Upper lip",
  lower_lip: "Lower lip",
  buccal_mucosa: "Buccal mucosa",
  dorsal_tongue: "Dorsal tongue",
  lateral_tongue: "Lateral tongue",
  ventral_tongue: "Ventral tongue",
  floor_of_mouth: "Floor of mouth",
  gingiva: "Gingiva",
  hard_palate: "Hard palate",
  soft_palate: "Soft palate",
  retromolar_area: "Retromolar area",
  other: "Other",
};

export const EXPOSURES: Record<Exposure, string> = {
  never: "Never",
  former: "Former",
  current: "Current",
  unknown: "Unknown",
};

export const SEXES: Record<Sex, string> = {
  female: "Female",
  male: "Male",
  other: "Other",
  unknown: "Unknown",
};

export const CASE_STATUSES: Record<CaseStatus, string> = {
  open: "Open",
  awaiting_review: "Awaiting review",
  closed: "Closed",
};

export const PREDICTION_STATUSES: Record<PredictionStatus, string> = {
  waiting_for_model: "Waiting for a model",
  queued: "Queued",
  running: "Analysing",
  succeeded: "Result ready",
  failed: "Analysis failed",
};

// Low risk carries no advice on purpose: the clinician's own examination decides the follow-up.
export const RISK_LABELS: Record<RiskLabel, { title: string; advice: string | null }> = {
  high_risk: { title: "High risk", advice: "Refer" },
  uncertain: { title: "Uncertain", advice: "Specialist review" },
  low_risk: { title: "Low risk", advice: null },
};

/** Describe a risk label in clinician terms, for example "High risk (refer)". */
export function riskText(label: string | null | undefined): string {
  const risk = label ? RISK_LABELS[label as RiskLabel] : undefined;
  if (!risk) {
    return "No result";
  }
  return risk.advice ? `${risk.title} (${risk.advice.toLowerCase()})` : risk.title;
}

export const AGREEMENTS = {
  agree: "Agree with the model",
  disagree: "Disagree with the model",
  unsure: "Unsure",
} as const;

export const REFERRALS = {
  urgent_referral: "Urgent referral",
  specialist_review: "Specialist review",
  routine_recall: "Routine recall",
  no_action: "No action",
} as const;

export const HISTOPATHOLOGY = {
  not_done: "Not done",
  pending: "Pending",
  benign: "Benign",
  potentially_malignant: "Potentially malignant disorder / dysplasia",
  malignant: "Malignant (carcinoma)",
} as const;

/** Look up a label, falling back to the raw value for codes the interface does not know yet. */
export function labelOf<K extends string>(table: Record<K, string>, value: string | null | undefined): string {
  if (!value) {
    return "—";
  }
  return (table as Record<string, string>)[value] ?? value;
}
