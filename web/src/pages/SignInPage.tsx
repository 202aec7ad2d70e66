import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { useSession } from "../lib/session-context";
import { useTitle } from "../lib/title";

/** One printable word, as the gateway issues keys: anything else is a paste gone wrong. */
const KEY_SHAPE = /^[\x21-\x7e]{1,512}$/;

/**
 * Paste an API key: kept in this tab's sessionStorage, sent as a bearer token,
 * never put in a URL. Open mode on localhost needs none.
 */
export function SignInPage() {
  useTitle("Sign in");
  const session = useSession();
  const [, navigate] = useLocation();
  const [key, setKey] = useState("");
  const [problem, setProblem] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const pasted = key.trim();
    if (!KEY_SHAPE.test(pasted)) {
      setProblem("An API key is one word of printable characters, with no spaces or line breaks.");
      return;
    }
    session.signIn(pasted);
    navigate("/");
  };
  return (
    <>
      <h1>Sign in</h1>
      <p>
        Paste an API key (from <code>homer keys create</code> or your administrator). It stays in this tab only and is forgotten when you
        close it. A registry on your own machine without keys needs none.
      </p>
      <form onSubmit={submit} className="stack">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby={problem ? "api-key-problem" : undefined}
          required
        />
        {problem && (
          <p id="api-key-problem" className="error" role="alert">
            {problem}
          </p>
        )}
        <div>
          <button type="submit">Sign in</button>{" "}
          {session.apiKey && (
            <button type="button" onClick={() => (session.signOut(), navigate("/"))}>
              Forget the current key
            </button>
          )}
        </div>
      </form>
    </>
  );
}
