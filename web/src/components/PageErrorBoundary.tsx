import { Component, type ReactNode } from "react";
import { Link } from "wouter";
import { ErrorMessage } from "./Status";

interface Props {
  /** The page's address: a new one clears the error (the user went elsewhere). */
  readonly location: string;
  readonly children: ReactNode;
}

interface State {
  readonly error: Error | null;
  readonly location: string;
}

/**
 * A page that fails to render shows what went wrong in its place, under the header,
 * instead of unmounting the whole app (React leaves a blank screen otherwise).
 */
export class PageErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, location: this.props.location };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.location === state.location ? null : { error: null, location: props.location };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <>
        <h1>This page could not be shown</h1>
        <ErrorMessage error={this.state.error} />
        <p>
          <Link href="/">Back to the projects</Link>
        </p>
      </>
    );
  }
}
