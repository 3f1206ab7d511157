import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiRequest } from "@/api/client";
import type { Me } from "@/api/types";

export const meKey = ["me"] as const;

export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: ({ signal }) => apiRequest<Me>("/api/auth/me/", { signal }),
    staleTime: 5 * 60_000,
  });
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { username: string; password: string }) =>
      apiRequest<Me>("/api/auth/login/", { method: "POST", body: credentials, allowAnonymous: true }),
    onSuccess: () => {
      queryClient.clear();
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest<void>("/api/auth/logout/", { method: "POST", allowAnonymous: true }),
    onSettled: () => {
      queryClient.clear();
      // A full page load on purpose: it drops every cached record of the signed-out user.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign("/login/");
    },
  });
}

/** Return the roles the user has in any of their clinics. */
export function rolesOf(me: Me | undefined): Set<string> {
  return new Set((me?.memberships ?? []).map((membership) => membership.role));
}
