/** Keeps a crash in one panel from blanking the window: the panel says what broke instead. */
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  name: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`framescope: the ${this.props.name} failed`, error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="panel-error" role="alert">
        <strong>The {this.props.name} failed.</strong>
        <pre>{this.state.error.message}</pre>
        <button type="button" className="btn" onClick={() => this.setState({ error: null })}>
          Reload panel
        </button>
      </div>
    );
  }
}
