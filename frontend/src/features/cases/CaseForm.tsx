"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { ApiError, messageOf } from "@/api/errors";
import type { LesionSite } from "@/api/types";
import { Button } from "@/components/Button";
import { Field, FieldError, inputClasses } from "@/components/Field";
import { LESION_SITES } from "@/lib/labels";
import { useCreateCase } from "./api";

const SITES = Object.keys(LESION_SITES) as [LesionSite, ...LesionSite[]];

const schema = z.object({
  lesion_site: z.enum(SITES, { message: "Choose the lesion site." }),
  lesion_description: z.string().trim().max(5000, "Use at most 5000 characters."),
  encounter_date: z.iso.date({ message: "Enter the date of the encounter." }),
});

type Values = z.infer<typeof schema>;

function today(): string {
  const now = new Date();
  const offset = now.getTimezoneOffset() * 60_000;
  return new Date(now.getTime() - offset).toISOString().slice(0, 10);
}

export function CaseForm({ patientId }: { patientId: number }) {
  const router = useRouter();
  const createCase = useCreateCase();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { lesion_site: undefined, lesion_description: "", encounter_date: today() },
  });

  const onSubmit = async (values: Values) => {
    try {
      const created = await createCase.mutateAsync({ patient: patientId, ...values });
      router.push(`/cases/view/?id=${created.id}`);
    } catch (error) {
      if (error instanceof ApiError) {
        for (const field of ["lesion_site", "lesion_description", "encounter_date"] as const) {
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
    <form
      onSubmit={handleSubmit(onSubmit)}
      noValidate
      className="max-w-xl space-y-4 rounded-lg border border-slate-200 bg-white p-4"
    >
      {errors.root?.message && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3">
          <FieldError>{errors.root.message}</FieldError>
        </div>
      )}
      <fieldset disabled={isSubmitting} className="space-y-4">
        <Field label="Lesion site" error={errors.lesion_site?.message}>
          <select className={inputClasses} defaultValue="" {...register("lesion_site")}>
            <option value="" disabled>
              Choose a site
            </option>
            {Object.entries(LESION_SITES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Lesion description"
          optional
          hint="Size, colour, texture, duration, symptoms."
          error={errors.lesion_description?.message}
        >
          <textarea rows={4} className={inputClasses} {...register("lesion_description")} />
        </Field>
        <Field label="Encounter date" error={errors.encounter_date?.message}>
          <input type="date" className={inputClasses} {...register("encounter_date")} />
        </Field>
        <div className="flex flex-wrap gap-2">
          <Button type="submit">{isSubmitting ? "Opening…" : "Open case"}</Button>
          <Button variant="secondary" onClick={() => router.back()}>
            Cancel
          </Button>
        </div>
      </fieldset>
    </form>
  );
}
