import { useEffect, useMemo, useState } from "react";
import { Provider } from "urql";
import { Link, Route, Switch, useLocation } from "wouter";
import { createRegistryClient } from "./lib/client";
import { readApiKey, storeApiKey } from "./lib/session";
import { SessionContext, type Session } from "./lib/session-context";
import { ProjectsPage } from "./pages/ProjectsPage";
import { SignInPage } from "./pages/SignInPage";
import { FamiliesPage } from "./pages/FamiliesPage";
import { FamilyPage } from "./pages/FamilyPage";
import { VersionPage } from "./pages/VersionPage";
import { AliasPage } from "./pages/AliasPage";
import { ComparePage } from "./pages/ComparePage";
import { UploadPage } from "./pages/UploadPage";
import { PageErrorBoundary } from "./components/PageErrorBoundary";
import { ThrottleNotice } from "./components/ThrottleNotice";

/** The app: a client per API key, a header, and one route per view (so every view has a URL). */
export function App() {
  const [apiKey, setApiKey] = useState(readApiKey);
  const [location] = useLocation();
  const registry = useMemo(() => createRegistryClient(apiKey), [apiKey]);
  useEffect(() => () => registry.dispose(), [registry]);
  const session = useMemo<Session>(
    () => ({
      apiKey,
      signIn: (key) => {
        storeApiKey(key);
        setApiKey(key);
      },
      signOut: () => {
        storeApiKey(null);
        setApiKey(null);
      },
    }),
    [apiKey],
  );
  return (
    <SessionContext.Provider value={session}>
      <Provider value={registry.client}>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="top">
          <Link href="/" className="brand">
            Homer
          </Link>
          <nav aria-label="Account">
            <a href="/graphql">GraphQL IDE</a>{" "}
            {apiKey ? (
              <button type="button" onClick={() => session.signOut()}>
                Sign out
              </button>
            ) : (
              <Link href="/sign-in">Sign in</Link>
            )}
          </nav>
        </header>
        <main id="main" tabIndex={-1}>
          <ThrottleNotice throttle={registry.throttle} />
          <PageErrorBoundary location={location}>
            <Switch>
              <Route path="/" component={ProjectsPage} />
              <Route path="/sign-in" component={SignInPage} />
              <Route path="/projects/:project" component={FamiliesPage} />
              <Route path="/projects/:project/upload" component={UploadPage} />
              <Route path="/projects/:project/models/:name" component={FamilyPage} />
              <Route path="/projects/:project/models/:name/compare" component={ComparePage} />
              <Route path="/projects/:project/models/:name/versions/:version" component={VersionPage} />
              <Route path="/projects/:project/models/:name/aliases/:alias" component={AliasPage} />
              <Route>
                <h1>Page not found</h1>
                <p>
                  <Link href="/">Back to the projects</Link>
                </p>
              </Route>
            </Switch>
          </PageErrorBoundary>
        </main>
      </Provider>
    </SessionContext.Provider>
  );
}
