"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { ApiError, messageOf } from "@/api/errors";
import type { Me, Patient, PatientInput } from "@/api/types";
import { Button } from "@/components/Button";
import { Field, FieldError, inputClasses } from "@/components/Field";
import { EXPOSURES, SEXES } from "@/lib/labels";
import { useSavePatient } from "./api";

const exposure = z.enum(["never", "former", "current", "unknown"]);
const thisYear = new Date().getFullYear();

const schema = z.object({
  clinic: z.string().min(1, "Choose the clinic."),
  identifier: z
    .string()
    .trim()
    .min(1, "Enter the clinic's identifier for this patient.")
    .max(64, "Use at most 64 characters."),
  name: z.string().trim().max(200, "Use at most 200 characters."),
  year_of_birth: z
    .string()
    .trim()
    .refine((value) => value === "" || (/^\d{4}$/.test(value) && Number(value) >= 1900 && Number(value) <= thisYear), {
      message: `Enter a year between 1900 and ${thisYear}, or leave it empty.`,
    }),
  sex: z.enum(["female", "male", "other", "unknown"]),
  tobacco_smoking: exposure,
  smokeless_tobacco: exposure,
  alcohol: exposure,
  previous_oral_cancer: z.enum(["yes", "no", "unknown"]),
  notes: z.string().max(5000, "Use at most 5000 characters."),
});

type Values = z.infer<typeof schema>;
const FIELDS = Object.keys(schema.shape) as (keyof Values)[];

/** Clinics where the user may register patients: specialists review but do not register. */
function editableClinics(me: Me) {
  return me.memberships.filter((membership) => membership.role !== "specialist").map((membership) => membership.clinic);
}

function yesNoUnknown(value: boolean | null | undefined): "yes" | "no" | "unknown" {
  if (value === true) {
    return "yes";
  }
  return value === false ? "no" : "unknown";
}

function toValues(patient: Patient | undefined, me: Me): Values {
  return {
    clinic: String(patient?.clinic ?? editableClinics(me)[0]?.id ?? ""),
    identifier: patient?.identifier ?? "",
    name: patient?.name ?? "",
    year_of_birth: patient?.year_of_birth ? String(patient.year_of_birth) : "",
    sex: patient?.sex ?? "unknown",
    tobacco_smoking: patient?.tobacco_smoking ?? "unknown",
    smokeless_tobacco: patient?.smokeless_tobacco ?? "unknown",
    alcohol: patient?.alcohol ?? "unknown",
    previous_oral_cancer: yesNoUnknown(patient?.previous_oral_cancer),
    notes: patient?.notes ?? "",
  };
}

function toInput(values: Values): PatientInput {
  return {
    ...values,
    clinic: Number(values.clinic),
    year_of_birth: values.year_of_birth ? Number(values.year_of_birth) : null,
    previous_oral_cancer: values.previous_oral_cancer === "unknown" ? null : values.previous_oral_cancer === "yes",
  };
}

function Options({ table }: { table: Record<string, string> }) {
  return Object.entries(table).map(([value, label]) => (
    <option key={value} value={value}>
      {label}
    </option>
  ));
}

export function PatientForm({ patient, me }: { patient?: Patient; me: Me }) {
  const router = useRouter();
  const save = useSavePatient(patient?.id ?? null);
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<Values>({ resolver: zodResolver(schema), defaultValues: toValues(patient, me) });

  const submitLabel = patient ? "Save changes" : "Create patient";

  const onSubmit = async (values: Values) => {
    try {
      const saved = await save.mutateAsync(toInput(values));
      router.push(`/patients/view/?id=${saved.id}`);
    } catch (error) {
      if (error instanceof ApiError) {
        for (const field of FIELDS) {
          const message = error.fieldMessage(field);
          if (message) {
            setError(field, { message });
          }
        }
      }
      setError("root", {
        message:
          error instanceof ApiError ? (error.fieldMessage("non_field_errors") ?? messageOf(error)) : messageOf(error),
      });
    }
  };

  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate className="max-w-2xl space-y-6">
      {errors.root?.message && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3">
          <FieldError>{errors.root.message}</FieldError>
        </div>
      )}
      <fieldset disabled={isSubmitting} className="space-y-6">
        <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="font-semibold text-slate-900">Patient</h2>
          {editableClinics(me).length > 1 && !patient && (
            <Field label="Clinic" error={errors.clinic?.message}>
              <select className={inputClasses} {...register("clinic")}>
                {editableClinics(me).map((clinic) => (
                  <option key={clinic.id} value={clinic.id}>
                    {clinic.name}
                  </option>
                ))}
              </select>
            </Field>
          )}
          <Field
            label="Patient identifier"
            hint="The clinic's own identifier, unique within the clinic."
            error={errors.identifier?.message}
          >
            <input className={inputClasses} autoComplete="off" {...register("identifier")} />
          </Field>
          <Field label="Name" optional error={errors.name?.message}>
            <input className={inputClasses} autoComplete="off" {...register("name")} />
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Year of birth" optional error={errors.year_of_birth?.message}>
              <input className={inputClasses} inputMode="numeric" autoComplete="off" {...register("year_of_birth")} />
            </Field>
            <Field label="Sex" error={errors.sex?.message}>
              <select className={inputClasses} {...register("sex")}>
                <Options table={SEXES} />
              </select>
            </Field>
          </div>
        </section>
        <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="font-semibold text-slate-900">Risk factors</h2>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Tobacco smoking" error={errors.tobacco_smoking?.message}>
              <select className={inputClasses} {...register("tobacco_smoking")}>
                <Options table={EXPOSURES} />
              </select>
            </Field>
            <Field label="Smokeless tobacco, betel quid or areca nut" error={errors.smokeless_tobacco?.message}>
              <select className={inputClasses} {...register("smokeless_tobacco")}>
                <Options table={EXPOSURES} />
              </select>
            </Field>
            <Field label="Alcohol" error={errors.alcohol?.message}>
              <select className={inputClasses} {...register("alcohol")}>
                <Options table={EXPOSURES} />
              </select>
            </Field>
            <Field label="Previous oral cancer" error={errors.previous_oral_cancer?.message}>
              <select className={inputClasses} {...register("previous_oral_cancer")}>
                <Options table={{ unknown: "Unknown", no: "No", yes: "Yes" }} />
              </select>
            </Field>
          </div>
          <Field label="Notes" optional error={errors.notes?.message}>
            <textarea rows={4} className={inputClasses} {...register("notes")} />
          </Field>
        </section>
        <div className="flex flex-wrap gap-2">
          <Button type="submit">{isSubmitting ? "Saving…" : submitLabel}</Button>
          <Button variant="secondary" onClick={() => router.back()}>
            Cancel
          </Button>
        </div>
      </fieldset>
    </form>
  );
}
