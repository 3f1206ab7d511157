"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useSearchParams } from "next/navigation";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { ApiError, messageOf } from "@/api/errors";
import { safeNextPath } from "@/api/session";
import { Button } from "@/components/Button";
import { Field, FieldError, inputClasses } from "@/components/Field";
import { useSignIn } from "./api";

const schema = z.object({
  username: z.string().trim().min(1, "Enter your user name."),
  password: z.string().min(1, "Enter your password."),
});

type Values = z.infer<typeof schema>;

export function SignInForm() {
  const params = useSearchParams();
  const signIn = useSignIn();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { username: "", password: "" } });

  const onSubmit = async (values: Values) => {
    try {
      await signIn.mutateAsync(values);
      window.location.assign(safeNextPath(params.get("next")));
    } catch (error) {
      if (error instanceof ApiError) {
        for (const field of ["username", "password"] as const) {
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
    <form onSubmit={handleSubmit(onSubmit)} noValidate className="space-y-4">
      {errors.root?.message && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3">
          <FieldError>{errors.root.message}</FieldError>
        </div>
      )}
      <fieldset disabled={isSubmitting} className="space-y-4">
        <Field label="User name" error={errors.username?.message}>
          <input className={inputClasses} autoComplete="username" autoCapitalize="none" {...register("username")} />
        </Field>
        <Field label="Password" error={errors.password?.message}>
          <input className={inputClasses} type="password" autoComplete="current-password" {...register("password")} />
        </Field>
        <Button type="submit" className="w-full">
          {isSubmitting ? "Signing in…" : "Sign in"}
        </Button>
      </fieldset>
    </form>
  );
}
