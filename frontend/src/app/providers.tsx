"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ApiError } from "@/api/errors";
import { AnnouncerProvider } from "@/components/Announcer";

function shouldRetry(failureCount: number, error: unknown): boolean {
  // Only network failures and 5xx answers can succeed on a second try; a 4xx answer will not change.
  return failureCount < 2 && error instanceof ApiError && error.retryable;
}

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { retry: shouldRetry, staleTime: 10_000, refetchOnWindowFocus: false },
          mutations: { retry: false },
        },
      }),
  );

  return (
    <QueryClientProvider client={client}>
      <AnnouncerProvider>{children}</AnnouncerProvider>
    </QueryClientProvider>
  );
}
