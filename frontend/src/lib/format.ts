const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
// Intl rejects timeZoneName together with dateStyle or timeStyle, so the parts are listed one by one.
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});

export function formatDate(value: string | null | undefined): string {
  if (!value) {
    return "—";
  }
  const date = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  return Number.isNaN(date.getTime()) ? value : dateFormat.format(date);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) {
    return "—";
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTimeFormat.format(date);
}

export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return "—";
  }
  return `${(value * 100).toFixed(digits)}%`;
}

/** Format a probability as a percentage with one decimal, never rounding a near-certain value to 0% or 100%. */
export function formatProbability(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return "—";
  }
  if (value > 0.999) {
    return "above 99.9%";
  }
  if (value < 0.001) {
    return "below 0.1%";
  }
  return formatPercent(value, 1);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(0)} KB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatWait(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) {
    return "";
  }
  if (seconds < 60) {
    return `about ${Math.max(1, Math.round(seconds))} s`;
  }
  return `about ${Math.round(seconds / 60)} min`;
}
