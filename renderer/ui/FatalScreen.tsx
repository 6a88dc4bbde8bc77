/** A whole-window message: connecting, or why the inspector cannot be used. */
export interface FatalScreenProps {
  title: string;
  message?: string;
  hint?: string;
  busy?: boolean;
  onRetry?: () => void;
}

export function FatalScreen({ title, message, hint, busy, onRetry }: FatalScreenProps) {
  return (
    <div className="fatal" role={busy ? 'status' : 'alert'} data-testid={busy ? 'connecting' : 'fatal-error'}>
      <div className="fatal-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          framescope
        </div>
        <h1>{title}</h1>
        {busy && <div className="spinner" aria-hidden="true" />}
        {message && <pre className="fatal-message">{message}</pre>}
        {hint && <p className="fatal-hint">{hint}</p>}
        {onRetry && (
          <button type="button" className="btn btn-primary" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}
