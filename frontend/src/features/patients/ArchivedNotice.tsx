/** Show the notice on an archived patient's pages, which display the records without any control that changes them. */
export function ArchivedNotice() {
  return (
    <p
      className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950"
      data-testid="patient-archived"
    >
      This patient is archived: records can be read but not changed. Restore the patient from the archive to change
      them.
    </p>
  );
}
