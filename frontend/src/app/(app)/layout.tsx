import { Suspense, type ReactNode } from "react";
import { AppShell } from "@/components/AppShell";
import { LoadingState } from "@/components/states";

export default function SignedInLayout({ children }: { children: ReactNode }) {
  return (
    <AppShell>
      <Suspense fallback={<LoadingState />}>{children}</Suspense>
    </AppShell>
  );
}
