import { useQuery } from "urql";
import { Link } from "wouter";
import { ProjectsDocument } from "../generated/graphql";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { useTitle } from "../lib/title";

/** The project picker: only the projects the key can read (the server says which). */
export function ProjectsPage() {
  useTitle("Projects");
  const [{ data, fetching, error }] = useQuery({ query: ProjectsDocument });
  return (
    <>
      <h1>Projects</h1>
      {error && <ErrorMessage error={error} />}
      {fetching && !data && <Loading what="projects" />}
      {data && data.projects.length === 0 && (
        <Empty>
          No project holds a model yet. <Link href="/projects/default/upload">Upload the first version</Link> to the default project.
        </Empty>
      )}
      {data && data.projects.length > 0 && (
        <ul className="cards">
          {data.projects.map((project) => (
            <li key={project.name}>
              <Link href={`/projects/${encodeURIComponent(project.name)}`}>{project.name}</Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
