import { useQuery } from "urql";
import { ProjectsDocument } from "../generated/graphql";

/**
 * Whether to offer changes (upload, delete, alias moves) in `project`: the key's
 * role on it, as `projects { role }` reports it (open mode is ADMIN everywhere).
 * Only an offer: the server checks every request, and its FORBIDDEN is shown in
 * words. The projects list is the one the project picker reads, from the cache.
 */
export function useMayWrite(project: string): boolean {
  const [{ data }] = useQuery({ query: ProjectsDocument });
  const role = data?.projects.find((p) => p.name === project)?.role;
  return role === "WRITE" || role === "ADMIN";
}
