"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { rolesOf, useMe, useSignOut } from "@/features/auth/api";
import { cn } from "@/lib/cn";

const NAV = [
  { href: "/patients/", label: "Patients" },
  { href: "/queue/", label: "Review queue" },
  { href: "/models/", label: "Models" },
];

/** The signed-in frame: skip link, header with navigation and the user's name, and the page's main region. */
export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const me = useMe();
  const signOut = useSignOut();
  const roles = rolesOf(me.data);
  const clinicNames = (me.data?.memberships ?? []).map((membership) => membership.clinic.name).join(", ");

  return (
    <>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:p-2"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/patients/" className="text-lg font-semibold text-teal-900">
            OralCare
          </Link>
          <nav aria-label="Main" className="order-3 w-full sm:order-none sm:w-auto">
            <ul className="flex flex-wrap gap-1">
              {NAV.map((item) => {
                const current =
                  pathname.startsWith(item.href) || (item.href === "/patients/" && pathname.startsWith("/cases/"));
                return (
                  <li key={item.href}>
                    <Link
                      href={item.href}
                      aria-current={current ? "page" : undefined}
                      className={cn(
                        "block rounded-md px-3 py-2 text-sm font-medium",
                        current ? "bg-teal-50 text-teal-900" : "text-slate-700 hover:bg-slate-100",
                      )}
                    >
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          {me.data && (
            <p className="order-4 w-full text-sm text-slate-700 md:hidden" data-testid="signed-in-user">
              Signed in as {me.data.username}
              {clinicNames && <span className="text-slate-500"> · {clinicNames}</span>}
            </p>
          )}
          <div className="ml-auto flex items-center gap-3 text-sm">
            {me.data && (
              <span className="hidden text-slate-700 md:inline">
                {me.data.username}
                {clinicNames && <span className="text-slate-500"> · {clinicNames}</span>}
                {roles.has("specialist") && <span className="text-slate-500"> · specialist</span>}
              </span>
            )}
            <button
              type="button"
              onClick={() => signOut.mutate()}
              disabled={signOut.isPending}
              className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50"
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        {children}
      </main>
      <footer className="mx-auto max-w-6xl px-4 pb-8 text-xs text-slate-600">
        OralCare supports a clinician&apos;s decision. Its risk estimates are not a diagnosis.
      </footer>
    </>
  );
}
