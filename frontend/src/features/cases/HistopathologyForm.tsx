"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { ApiError, messageOf } from "@/api/errors";
import type { Review } from "@/api/types";
import { Button } from "@/components/Button";
import { Field, FieldError, inputClasses } from "@/components/Field";
import { HISTOPATHOLOGY } from "@/lib/labels";
import { useUpdateReview } from "./api";

const schema = z.object({
  histopathology_result: z.enum(["not_done", "pending", "benign", "potentially_malignant", "malignant"]),
  histopathology_notes: z.string().max(5000, "Use at most 5000 characters."),
});

type Values = z.infer<typeof schema>;

/** Record the histopathology result on an existing review once the report arrives. */
export function HistopathologyForm({ review }: { review: Review }) {
  const update = useUpdateReview(review.case, review.id);
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting, isSubmitSuccessful },
  } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      histopathology_result: review.histopathology_result ?? "not_done",
      histopathology_notes: review.histopathology_notes ?? "",
    },
  });

  const onSubmit = async (values: Values) => {
    try {
      await update.mutateAsync(values);
    } catch (error) {
      if (error instanceof ApiError) {
        for (const field of ["histopathology_result", "histopathology_notes"] as const) {
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
    <details className="mt-2">
      <summary className="cursor-pointer text-sm font-medium text-teal-800">Update histopathology</summary>
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="mt-2 space-y-3">
        {errors.root?.message && <FieldError>{errors.root.message}</FieldError>}
        <fieldset disabled={isSubmitting} className="grid gap-3 sm:grid-cols-2">
          <Field label="Histopathology result" error={errors.histopathology_result?.message}>
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
          <div className="flex items-center gap-3">
            <Button type="submit" variant="secondary">
              {isSubmitting ? "Saving…" : "Save result"}
            </Button>
            {isSubmitSuccessful && !errors.root && (
              <span role="status" className="text-sm text-emerald-800">
                Saved.
              </span>
            )}
          </div>
        </fieldset>
      </form>
    </details>
  );
}
