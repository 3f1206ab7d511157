import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-2xl font-semibold text-slate-900">Page not found</h1>
      <p className="mt-2 text-slate-700">There is no page at this address.</p>
      <Link href="/patients/" className="mt-4 inline-block font-medium text-teal-800 underline">
        Go to patients
      </Link>
    </main>
  );
}
