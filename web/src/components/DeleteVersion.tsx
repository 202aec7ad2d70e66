import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { DeleteModelDocument } from "../generated/graphql";
import { ErrorMessage } from "./Status";

/**
 * Deleting a version: offered only when the caller may (see `mayWrite`), and
 * confirmed by typing the version's name, `NAME@VERSION`, as the CLI writes it.
 */
export function DeleteVersion(props: { project: string; name: string; version: number; onDeleted: () => void }) {
  const { project, name, version, onDeleted } = props;
  const expected = `${name}@${version}`;
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [{ fetching, error }, deleteModel] = useMutation(DeleteModelDocument);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (typed !== expected) return;
    const result = await deleteModel({ project, name, version });
    if (!result.error) onDeleted();
  };
  if (!open) {
    return (
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete this version…
      </button>
    );
  }
  return (
    <form className="stack danger-zone" onSubmit={(e) => void submit(e)}>
      <label htmlFor="confirm-delete">
        This deletes version {version} of {name} and its files for everyone. Type <code>{expected}</code> to confirm.
      </label>
      <input id="confirm-delete" value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
      <div>
        <button type="submit" className="danger" disabled={typed !== expected || fetching}>
          Delete {expected}
        </button>{" "}
        <button type="button" onClick={() => (setOpen(false), setTyped(""))}>
          Cancel
        </button>
      </div>
      {error && <ErrorMessage error={error} />}
    </form>
  );
}
