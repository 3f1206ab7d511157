/**
 * The API's resources as the interface uses them: the types generated from the OpenAPI schema (schema.d.ts, made by
 * `npm run gen:api`), narrowed where the schema describes a field loosely.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type Role = Schemas["RoleEnum"];
export type Membership = Schemas["Membership"];
export type Me = Schemas["Me"];
export type UserSummary = Schemas["UserSummary"];

export type Exposure = Schemas["ExposureEnum"];
export type Sex = Schemas["SexEnum"];
export type Patient = Schemas["Patient"];
export type PatientInput = Schemas["PatientRequest"];

export type LesionSite = Schemas["LesionSiteEnum"];
export type CaseStatus = Schemas["CaseStatusEnum"];
export type Case = Schemas["Case"];

export type PredictionStatus = Schemas["PredictionStatusEnum"];
export type RiskLabel = Schemas["LabelEnum"];
/** The label is empty until the prediction succeeds, and the queue fields are null outside the queue. */
export type Prediction = Omit<
  Schemas["Prediction"],
  "label" | "queue_position" | "estimated_wait_seconds" | "heatmap_url"
> & {
  label: RiskLabel | "";
  queue_position: number | null;
  estimated_wait_seconds: number | null;
  heatmap_url: string | null;
};

export type QualityWarning = Schemas["QualityWarning"];

/** A stored photo, with its latest prediction narrowed as above. */
export type CaseImage = Omit<Schemas["Image"], "latest_prediction"> & {
  latest_prediction: Prediction | null;
  duplicate?: boolean;
};

export type CaseDetail = Omit<Schemas["CaseDetail"], "images"> & { images: CaseImage[] };

export type Review = Schemas["Review"];
export type ReviewInput = Schemas["ReviewRequest"];
export type HistopathologyResult = Schemas["HistopathologyResultEnum"];

export type TrainingRun = Omit<Schemas["TrainingRun"], "history" | "parameters"> & {
  history: Record<string, number>[];
  parameters: Record<string, unknown>;
};

export type ModelVersion = Omit<Schemas["ModelVersion"], "metrics" | "calibration" | "training_run"> & {
  metrics: Record<string, unknown>;
  calibration: Record<string, unknown>;
  training_run: number | null;
};
