/** Helpers for the cookie-based session: the CSRF token and the return to sign-in. */

export function readCsrfCookie(): string | null {
  const match = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return match ? decodeURIComponent(match.slice("csrftoken=".length)) : null;
}

/**
 * Return `candidate` when it is a path on this origin, else the patients list. Guards the sign-in page's
 * `next` parameter against sending a user to another site.
 */
export function safeNextPath(candidate: string | null | undefined): string {
  const fallback = "/patients/";
  if (!candidate || !candidate.startsWith("/") || candidate.startsWith("//") || candidate.includes("\\")) {
    return fallback;
  }
  try {
    const url = new URL(candidate, window.location.origin);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/login")) {
      return fallback;
    }
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

let redirecting = false;

/** Send the browser to sign-in, remembering the current page so that signing in returns to it. */
export function redirectToSignIn(): void {
  if (redirecting || window.location.pathname.startsWith("/login")) {
    return;
  }
  redirecting = true;
  const here = `${window.location.pathname}${window.location.search}`;
  // A full page load on purpose: it drops every cached record of the lost session.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/login/?next=${encodeURIComponent(here)}`);
}
