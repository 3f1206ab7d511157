/**
 * Shapes of the API's resources as the interface uses them.
 *
 * NOTE: these mirror the serializers by hand because the OpenAPI schema in openapi.json did not yet describe
 * these endpoints when they were written. After `npm run gen:api`, replace each with its generated type from
 * schema.d.ts (components["schemas"][...]).
 */

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type Role = "clinician" | "specialist" | "clinic_admin";

export interface ClinicMembership {
  id: number;
  name: string;
  role: Role;
}

export interface Me {
  id: number;
  username: string;
  first_name?: string;
  last_name?: string;
  full_name?: string;
  clinics: ClinicMembership[];
}

export type Exposure = "never" | "former" | "current" | "unknown";
export type Sex = "female" | "male" | "other" | "unknown";

export interface Patient {
  id: number;
  clinic: number;
  identifier: string;
  name: string;
  year_of_birth: number | null;
  sex: Sex;
  tobacco_smoking: Exposure;
  smokeless_tobacco: Exposure;
  alcohol: Exposure;
  previous_oral_cancer: boolean | null;
  notes: string;
  is_archived: boolean;
  created_at: string;
  updated_at: string;
}

export type PatientInput = Omit<Patient, "id" | "is_archived" | "created_at" | "updated_at">;

export type LesionSite =
  | "upper_lip"
  | "lower_lip"
  | "buccal_mucosa"
  | "dorsal_tongue"
  | "lateral_tongue"
  | "ventral_tongue"
  | "floor_of_mouth"
  | "gingiva"
  | "hard_palate"
  | "soft_palate"
  | "retromolar_area"
  | "other";

export type CaseStatus = "open" | "awaiting_review" | "closed";

export type PredictionStatus = "waiting_for_model" | "queued" | "running" | "succeeded" | "failed";
export type RiskLabel = "high_risk" | "uncertain" | "low_risk";

export interface Prediction {
  id: number;
  status: PredictionStatus;
  queue_position?: number | null;
  estimated_wait_seconds?: number | null;
  probability?: number | null;
  label?: RiskLabel | "" | null;
  threshold?: number | null;
  model_version?: string | { id: number; name: string } | null;
  model_version_name?: string | null;
  error_message?: string;
  heatmap_url?: string | null;
  created_at?: string;
  finished_at?: string | null;
}

export interface QualityWarning {
  code: string;
  message: string;
}

export interface CaseImage {
  id: number;
  case: number;
  original_filename?: string;
  width?: number;
  height?: number;
  detected_format?: string;
  upload_size?: number;
  quality_warnings?: (QualityWarning | string)[];
  uploaded_at?: string;
  file_url?: string;
  thumbnail_url?: string;
  is_excluded?: boolean;
  latest_prediction?: Prediction | null;
  duplicate?: boolean;
}

export interface Review {
  id: number;
  case: number;
  reviewer?: number | string | { id: number; username: string };
  reviewer_name?: string;
  agreement: "agree" | "disagree" | "unsure";
  clinical_impression: string;
  referral_decision: "urgent_referral" | "specialist_review" | "routine_recall" | "no_action";
  recall_date: string | null;
  histopathology_result: string;
  histopathology_notes: string;
  created_at: string;
}

export interface Case {
  id: number;
  patient: number;
  clinician?: number | string | { id: number; username: string };
  encounter_date: string;
  lesion_site: LesionSite;
  lesion_description: string;
  status: CaseStatus;
  created_at?: string;
  images?: CaseImage[];
  reviews?: Review[];
  patient_identifier?: string;
}

export interface TrainingRun {
  id: number;
  status: "pending" | "running" | "succeeded" | "failed";
  phase: string;
  epoch: number;
  total_epochs: number;
  history?: Record<string, number>[];
  error_message?: string;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
}

export interface ModelPlot {
  name: string;
  url: string;
}

export interface ModelVersion {
  id: number;
  name: string;
  status: "candidate" | "active" | "retired";
  image_size?: number;
  threshold: number;
  uncertain_low: number;
  uncertain_high: number;
  calibration?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  plots?: (ModelPlot | string)[];
  training_run?: TrainingRun | number | null;
  created_at?: string;
  activated_at?: string | null;
}
