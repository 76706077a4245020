/** A mission or step status, colour and text (never colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status.replace('_', ' ').toLowerCase()}</span>;
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role={label ? 'status' : undefined} aria-label={label} />;
}

/** When the numbers on a page that refreshes by itself were last read. */
export function Updated({ at }: { at: number | null }) {
  return at ? <span className="muted small">updated {new Date(at).toLocaleTimeString()}</span> : null;
}
