"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { apiRequest } from "@/api/client";
import { ApiError, messageOf } from "@/api/errors";
import type { CaseImage } from "@/api/types";
import { Button } from "@/components/Button";
import { Field, FieldError, inputClasses } from "@/components/Field";
import { caseKeys } from "./api";

const schema = z.object({
  reason: z.string().trim().min(1, "Say why the photo is excluded, for example 'wrong patient'.").max(2000),
});

type Values = z.infer<typeof schema>;

/**
 * Exclude a photo from its case with a reason, after a confirmation in the same form. The photo stays in the record
 * and is listed with the case's excluded photos.
 */
export function ExcludeForm({ image, name }: { image: CaseImage; name: string }) {
  const queryClient = useQueryClient();
  const exclude = useMutation({
    mutationFn: (values: Values) =>
      apiRequest<CaseImage>(`/api/images/${image.id}/exclude/`, { method: "POST", body: values }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: caseKeys.images(image.case) });
    },
  });
  const {
    register,
    handleSubmit,
    setError,
    getValues,
    formState: { errors, isSubmitting },
  } = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { reason: "" } });

  const [confirming, setConfirming] = useState(false);

  const onSubmit = async (values: Values) => {
    if (!confirming) {
      setConfirming(true);
      return;
    }
    try {
      await exclude.mutateAsync(values);
    } catch (error) {
      const message = error instanceof ApiError ? error.fieldMessage("reason") : undefined;
      setError(message ? "reason" : "root", { message: message ?? messageOf(error) });
      setConfirming(false);
    }
  };

  return (
    <details className="text-sm">
      <summary className="cursor-pointer font-medium text-slate-700">Exclude {name}</summary>
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="mt-2 space-y-2">
        {errors.root?.message && <FieldError>{errors.root.message}</FieldError>}
        <fieldset disabled={isSubmitting} className="space-y-2">
          <Field label="Reason for excluding" error={errors.reason?.message}>
            <input className={inputClasses} readOnly={confirming} {...register("reason")} />
          </Field>
          {confirming ? (
            <div role="group" aria-label="Confirm exclusion" className="space-y-2">
              <p className="text-slate-800">
                Exclude {name} because &ldquo;{getValues("reason").trim()}&rdquo;? Its result no longer counts for the
                case; the photo stays in the record.
              </p>
              <div className="flex flex-wrap gap-2">
                <Button type="submit" variant="danger">
                  {isSubmitting ? "Excluding…" : "Confirm exclusion"}
                </Button>
                <Button variant="secondary" onClick={() => setConfirming(false)}>
                  Cancel
                </Button>
              </div>
            </div>
          ) : (
            <Button type="submit" variant="danger">
              Exclude photo
            </Button>
          )}
        </fieldset>
      </form>
    </details>
  );
}
