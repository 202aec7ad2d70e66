import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { RemoveAliasDocument, SetAliasDocument, type AliasInfoFragment } from "../generated/graphql";
import { aliasProblem, type FamilyAliases } from "../lib/aliases";
import { whileSettingAlias } from "../lib/client";
import { AliasBadge } from "./AliasBadges";
import { Empty, ErrorMessage } from "./Status";

/**
 * A version's aliases (each a link to its stable URL, a lock when protected) and,
 * when the key may write, setting one here (a new alias, or one moved from
 * another version) and removing one. The name is checked as the server checks it
 * before anything is sent; the server's refusals (FORBIDDEN for a protected alias
 * without admin) are shown in words.
 */
export function VersionAliases(props: {
  project: string;
  name: string;
  version: number;
  aliases: FamilyAliases;
  mayWrite: boolean;
  familyUrl: string;
}) {
  const { project, name, version, aliases, mayWrite, familyUrl } = props;
  const mine = aliases.byVersion.get(version) ?? [];
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState("");
  const [setState, setAlias] = useMutation(SetAliasDocument);
  const [removeState, removeAlias] = useMutation(RemoveAliasDocument);
  const alias = typed.trim();
  const elsewhere = aliases.all.find((a) => a.alias === alias && a.version !== version);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone("");
    const wrong = aliasProblem(alias);
    setProblem(wrong);
    if (wrong) return;
    const result = await whileSettingAlias(project, name, alias, () => setAlias({ project, name, alias, version }));
    if (!result.error) {
      setTyped("");
      setDone(`${alias} now points at v${version}.`);
    }
  };
  const remove = async (a: AliasInfoFragment) => {
    setDone("");
    const result = await removeAlias({ project, name, alias: a.alias });
    if (!result.error) setDone(`${a.alias} was removed.`);
  };

  return (
    <section aria-labelledby="aliases-title">
      <h2 id="aliases-title">Aliases</h2>
      {aliases.error && <ErrorMessage error={aliases.error} />}
      {mine.length === 0 ? (
        <Empty>No alias points at this version.</Empty>
      ) : (
        <ul className="alias-list">
          {mine.map((a) => (
            <li key={a.alias}>
              <AliasBadge alias={a} familyUrl={familyUrl} />
              {mayWrite && (
                <button type="button" onClick={() => void remove(a)} disabled={removeState.fetching}>
                  Remove alias {a.alias}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {removeState.error && <ErrorMessage error={removeState.error} />}
      {mayWrite && (
        <form className="alias-form" onSubmit={(e) => void submit(e)} noValidate>
          <label htmlFor="alias-name">Point an alias at v{version}</label>
          <div>
            <input
              id="alias-name"
              value={typed}
              autoComplete="off"
              spellCheck={false}
              aria-describedby="alias-hint"
              aria-invalid={problem ? true : undefined}
              onChange={(e) => (setTyped(e.target.value), setProblem(null))}
            />{" "}
            <button type="submit" disabled={setState.fetching}>
              Set alias
            </button>
          </div>
          <p id="alias-hint" className="hint">
            {elsewhere
              ? `${elsewhere.alias} points at v${elsewhere.version} now: setting it here moves it${elsewhere.protected ? " (it is protected: that needs admin)" : ""}.`
              : "Lower-case letters, digits, _ and -, starting with a letter (champion, staging…)."}
          </p>
          {problem && (
            <p className="error" role="alert">
              {problem}
            </p>
          )}
          {setState.error && <ErrorMessage error={setState.error} />}
        </form>
      )}
      <p role="status" className="live">
        {done}
      </p>
    </section>
  );
}
