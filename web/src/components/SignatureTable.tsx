import type { VersionDetailFragment } from "../generated/graphql";

type Signature = NonNullable<VersionDetailFragment["signature"]>;

/** A model signature's inputs and outputs, one row per field (tensor shapes with -1 as “any”). */
export function SignatureTable({ signature }: { signature: Signature }) {
  const rows = [
    ...signature.inputs.map((field) => ({ side: "input", ...field })),
    ...signature.outputs.map((field) => ({ side: "output", ...field })),
  ];
  return (
    <table className="data">
      <thead>
        <tr>
          <th scope="col">Side</th>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Shape</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((field, i) => (
          <tr key={i}>
            <td>{field.side}</td>
            <td>{field.name ?? "–"}</td>
            <td>{field.type}</td>
            <td>{field.shape ? `(${field.shape.map((d) => (d === -1 ? "any" : d)).join(", ")})` : "–"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
