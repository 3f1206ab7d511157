/** Join class names, dropping false, null and undefined, so variants read as plain conditions. */
export function cn(...classes: (string | false | null | undefined)[]): string {
  return classes.filter(Boolean).join(" ");
}
