"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { type QueryClient, useQueries, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { ApiError, messageOf } from "@/api/errors";
import type { CaseImage } from "@/api/types";
import { useAnnounce } from "@/components/Announcer";
import { Button } from "@/components/Button";
import { Field, FieldError, inputClasses } from "@/components/Field";
import { AGREEMENTS, HISTOPATHOLOGY, REFERRALS } from "@/lib/labels";
import { apiRequest } from "@/api/client";
import { caseKeys, useCaseImages, useCreateReview } from "./api";

const schema = z
  .object({
    agreement: z.enum(["agree", "disagree", "unsure"], { message: "Choose whether you agree with the model." }),
    clinical_impression: z.string().trim().max(5000, "Use at most 5000 characters."),
    referral_decision: z.enum(["urgent_referral", "specialist_review", "routine_recall", "no_action"], {
      message: "Choose a referral decision.",
    }),
    recall_date: z.string(),
    histopathology_result: z.enum(["not_done", "pending", "benign", "potentially_malignant", "malignant"]),
    histopathology_notes: z.string().max(5000, "Use at most 5000 characters."),
  })
  .refine((values) => values.referral_decision !== "routine_recall" || values.recall_date !== "", {
    path: ["recall_date"],
    message: "Enter the recall date for a routine recall.",
  });

type Values = z.infer<typeof schema>;
const FIELDS = [
  "agreement",
  "clinical_impression",
  "referral_decision",
  "recall_date",
  "histopathology_result",
  "histopathology_notes",
] as const;

function RadioGroup({
  legend,
  name,
  options,
  error,
  register,
}: {
  legend: string;
  name: "agreement" | "referral_decision";
  options: Record<string, string>;
  error?: string;
  register: ReturnType<typeof useForm<Values>>["register"];
}) {
  const errorId = `${name}-error`;
  return (
    <fieldset aria-describedby={error ? errorId : undefined} className="space-y-2">
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        {Object.entries(options).map(([value, label]) => (
          <label
            key={value}
            className="flex min-h-10 items-center gap-2 rounded-md border border-slate-300 px-3 py-2 text-sm has-[:checked]:border-teal-700 has-[:checked]:bg-teal-50"
          >
            <input type="radio" value={value} className="size-4 accent-teal-700" {...register(name)} />
            {label}
          </label>
        ))}
      </div>
      {error && <FieldError id={errorId}>{error}</FieldError>}
    </fieldset>
  );
}

/** Return the id of the newest succeeded prediction among the case's photos on screen, which the reviewer saw. */
function latestResultId(queryClient: QueryClient, caseId: number): number | null {
  const images = queryClient
    .getQueriesData<CaseImage>({ queryKey: ["images"] })
    .map(([, image]) => image)
    .filter((image): image is CaseImage => image?.case === caseId && image.latest_prediction?.status === "succeeded");
  const ids = images.map((image) => image.latest_prediction?.id ?? 0);
  return ids.length > 0 ? Math.max(...ids) : null;
}

/** Whether any photo of the case on screen has a result, following the photo cards' live updates. */
function useHasResult(caseId: number): boolean {
  const images = useCaseImages(caseId);
  const live = useQueries({
    queries: (images.data ?? [])
      .filter((image) => !image.is_excluded)
      .map((image) => ({
        queryKey: caseKeys.image(image.id),
        queryFn: ({ signal }: { signal: AbortSignal }) => apiRequest<CaseImage>(`/api/images/${image.id}/`, { signal }),
        initialData: image,
        // The photo cards poll these queries; this observer only reads them.
        enabled: false,
      })),
  });
  return live.some((query) => query.data?.latest_prediction?.status === "succeeded");
}

/** Offer the review form; after a save, collapse it behind a status so an empty form does not look unsaved. */
export function ReviewForm({ caseId, afterSave }: { caseId: number; afterSave?: ReactNode }) {
  const [saved, setSaved] = useState(false);

  if (saved) {
    return (
      <div className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900">
            Review saved. It is listed above.
          </p>
          <Button variant="secondary" onClick={() => setSaved(false)}>
            Record another review
          </Button>
        </div>
        {afterSave}
      </div>
    );
  }
  return <ReviewFields caseId={caseId} onSaved={() => setSaved(true)} />;
}

function ReviewFields({ caseId, onSaved }: { caseId: number; onSaved: () => void }) {
  const hasResult = useHasResult(caseId);
  const queryClient = useQueryClient();
  const createReview = useCreateReview(caseId);
  const announce = useAnnounce();
  const {
    register,
    handleSubmit,
    setError,
    control,
    reset,
    formState: { errors, isSubmitting },
  } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      clinical_impression: "",
      recall_date: "",
      histopathology_result: "not_done",
      histopathology_notes: "",
    },
  });
  const referral = useWatch({ control, name: "referral_decision" });

  const onSubmit = async (values: Values) => {
    try {
      await createReview.mutateAsync({
        ...values,
        recall_date: values.referral_decision === "routine_recall" ? values.recall_date : null,
        prediction: latestResultId(queryClient, caseId),
      });
      reset();
      announce("Review saved.");
      onSaved();
    } catch (error) {
      if (error instanceof ApiError) {
        for (const field of FIELDS) {
          const message = error.fieldMessage(field);
          if (message) {
            setError(field, { message });
          }
        }
      }
      setError("root", { message: messageOf(error) });
    }
  };

  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4" aria-labelledby="review-form-heading">
      <h3 id="review-form-heading" className="font-semibold text-slate-900">
        Record your review
      </h3>
      {errors.root?.message && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3">
          <FieldError>{errors.root.message}</FieldError>
        </div>
      )}
      {!hasResult && (
        <p className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700">
          Results are not ready yet; you can still record your own assessment.
        </p>
      )}
      <fieldset disabled={isSubmitting} className="space-y-4">
        <RadioGroup
          legend="Do you agree with the model's results for this case?"
          name="agreement"
          options={AGREEMENTS}
          error={errors.agreement?.message}
          register={register}
        />
        <Field label="Clinical impression" optional error={errors.clinical_impression?.message}>
          <textarea rows={3} className={inputClasses} {...register("clinical_impression")} />
        </Field>
        <RadioGroup
          legend="Referral decision"
          name="referral_decision"
          options={REFERRALS}
          error={errors.referral_decision?.message}
          register={register}
        />
        {referral === "routine_recall" && (
          <Field label="Recall date" error={errors.recall_date?.message}>
            <input type="date" className={inputClasses} {...register("recall_date")} />
          </Field>
        )}
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            label="Histopathology result"
            hint="Update it later when the report arrives."
            error={errors.histopathology_result?.message}
          >
            <select className={inputClasses} {...register("histopathology_result")}>
              {Object.entries(HISTOPATHOLOGY).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Histopathology notes" optional error={errors.histopathology_notes?.message}>
            <input className={inputClasses} {...register("histopathology_notes")} />
          </Field>
        </div>
        <Button type="submit">{isSubmitting ? "Saving…" : "Save review"}</Button>
      </fieldset>
    </form>
  );
}
