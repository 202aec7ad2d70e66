import { useMemo, useRef, useState, type DragEvent, type FormEvent } from "react";
import { Link, useLocation, useParams, useSearch } from "wouter";
import { ErrorMessage } from "../components/Status";
import { filesFromDrop, filesFromInput, type PickedFiles } from "../lib/dropped-files";
import { formatBytes } from "../lib/format";
import { useSession } from "../lib/session-context";
import { useTitle } from "../lib/title";

interface MetricRow {
  readonly id: number;
  key: string;
  value: string;
}

/** Metric rows to the SDK's record, or the first row that is not a name and a finite number. */
function metricsOf(rows: readonly MetricRow[]): Record<string, number> | string {
  const metrics: Record<string, number> = {};
  for (const row of rows) {
    if (!row.key.trim() && !row.value.trim()) continue;
    const value = Number(row.value);
    if (!row.key.trim()) return `The metric with value “${row.value}” needs a name.`;
    if (row.value.trim() === "" || !Number.isFinite(value)) return `The metric “${row.key}” needs a number, not “${row.value}”.`;
    metrics[row.key.trim()] = value;
  }
  return metrics;
}

/**
 * Upload a new version: a folder dropped or picked (or files), metrics and a
 * description, through the SDK's browser entry with progress and cancel.
 */
export function UploadPage() {
  const { project } = useParams<{ project: string }>();
  useTitle("Upload a version");
  const initialName = new URLSearchParams(useSearch()).get("name") ?? "";
  const { apiKey } = useSession();
  const [, navigate] = useLocation();
  const [name, setName] = useState(initialName);
  const [description, setDescription] = useState("");
  const [rows, setRows] = useState<MetricRow[]>([{ id: 0, key: "", value: "" }]);
  const [files, setFiles] = useState<PickedFiles>({});
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<{ bytes: number; total: number } | null>(null);
  const [problem, setProblem] = useState<Error | string | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const paths = useMemo(() => Object.keys(files).sort(), [files]);
  const totalBytes = paths.reduce((sum, path) => sum + files[path]!.size, 0);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    filesFromDrop(event.dataTransfer).then(setFiles, (error: Error) => setProblem(error));
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setCancelled(false);
    const metrics = metricsOf(rows);
    if (typeof metrics === "string") return setProblem(metrics);
    if (paths.length === 0) return setProblem("Choose the model's files or folder first.");
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ bytes: 0, total: totalBytes });
    try {
      // The SDK loads with this page only: the lists and charts start without it.
      const { connection } = await import("@homer/sdk/browser");
      const registry = await connection({ url: `${location.origin}/graphql`, project, ...(apiKey ? { apiKey } : {}) }).getModelRegistry();
      const model = await registry.createModel({
        name: name.trim(),
        files,
        metrics,
        ...(description.trim() ? { description: description.trim() } : {}),
        signal: controller.signal,
        onProgress: (p) => setProgress({ bytes: p.bytes, total: p.total }),
      });
      navigate(`/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(model.name)}/versions/${model.version}`);
    } catch (error) {
      // The SDK rejects with ABORTED and the registry keeps nothing of an unfinished upload.
      if (controller.signal.aborted) setCancelled(true);
      else setProblem(error instanceof Error ? error : String(error));
    } finally {
      abort.current = null;
      setProgress(null);
    }
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{" "}
        <span aria-current="page">upload</span>
      </nav>
      <h1>Upload a new version to {project}</h1>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label htmlFor="model-name">Model name</label>
        <input
          id="model-name"
          value={name}
          required
          pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}"
          onChange={(e) => setName(e.target.value)}
          aria-describedby="model-name-hint"
        />
        <p id="model-name-hint" className="hint">
          Letters, digits, <code>_ . -</code>; the next free version number is assigned.
        </p>

        <label htmlFor="model-description">Description</label>
        <textarea id="model-description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />

        <fieldset>
          <legend>Metrics</legend>
          {rows.map((row, i) => (
            <div className="metric-row" key={row.id}>
              <label>
                Name
                <input value={row.key} onChange={(e) => setRows(rows.map((r) => (r.id === row.id ? { ...r, key: e.target.value } : r)))} />
              </label>
              <label>
                Value
                <input
                  inputMode="decimal"
                  value={row.value}
                  onChange={(e) => setRows(rows.map((r) => (r.id === row.id ? { ...r, value: e.target.value } : r)))}
                />
              </label>
              {rows.length > 1 && (
                <button type="button" onClick={() => setRows(rows.filter((r) => r.id !== row.id))} aria-label={`Remove metric ${i + 1}`}>
                  Remove
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setRows([...rows, { id: Math.max(...rows.map((r) => r.id)) + 1, key: "", value: "" }])}>
            Add a metric
          </button>
        </fieldset>

        <fieldset>
          <legend>Files</legend>
          <div
            className={dragging ? "dropzone dragging" : "dropzone"}
            onDragOver={(e) => (e.preventDefault(), setDragging(true))}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
          >
            <p>Drop the model's folder (or files) here, or choose:</p>
            <label>
              Files <input type="file" multiple onChange={(e) => e.target.files && setFiles(filesFromInput(e.target.files))} />
            </label>{" "}
            <label>
              A folder{" "}
              <input
                type="file"
                ref={(input) => input?.setAttribute("webkitdirectory", "")}
                onChange={(e) => e.target.files && setFiles(filesFromInput(e.target.files))}
              />
            </label>
          </div>
          <p role="status">
            {paths.length === 0
              ? "No files chosen."
              : `${paths.length} ${paths.length === 1 ? "file" : "files"}, ${formatBytes(totalBytes)}: ${paths.slice(0, 8).join(", ")}${paths.length > 8 ? ", …" : ""}`}
          </p>
        </fieldset>

        {progress && (
          <div className="progress">
            <label htmlFor="upload-progress">Uploading</label>
            <progress id="upload-progress" max={progress.total || 1} value={progress.bytes} />
            <span>
              {formatBytes(progress.bytes)} of {formatBytes(progress.total)}
            </span>{" "}
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          </div>
        )}
        <p role="status">{cancelled ? "The upload was cancelled: nothing was registered." : ""}</p>
        {problem &&
          (typeof problem === "string" ? (
            <p className="error" role="alert">
              {problem}
            </p>
          ) : (
            <ErrorMessage error={problem} />
          ))}
        <div>
          <button type="submit" disabled={progress !== null}>
            Upload
          </button>
        </div>
      </form>
    </>
  );
}
