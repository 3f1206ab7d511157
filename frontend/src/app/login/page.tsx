import { Suspense } from "react";
import { SignInForm } from "@/features/auth/SignInForm";

export default function SignInPage() {
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4 py-10">
      <div className="w-full max-w-sm">
        <h1 className="text-center text-2xl font-semibold text-teal-900">OralCare</h1>
        <p className="mt-1 text-center text-sm text-slate-600">Oral cancer screening support</p>
        <div className="mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h2 className="mb-4 text-lg font-semibold text-slate-900">Sign in</h2>
          <Suspense>
            <SignInForm />
          </Suspense>
        </div>
        <p className="mt-4 text-center text-xs text-slate-600">
          Risk estimates support a clinician&apos;s decision and are not a diagnosis.
        </p>
      </div>
    </main>
  );
}
