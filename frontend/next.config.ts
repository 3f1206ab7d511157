import type { NextConfig } from "next";

// A static export that Django serves from the same origin as the API. Pages that need an id take it from the
// query string (for example /patients/view/?id=12) because an export cannot contain dynamic segments.
const nextConfig: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
