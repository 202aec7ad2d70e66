import { createContext, useContext } from "react";

/** The pasted API key (null in open mode) and how to change it. */
export interface Session {
  readonly apiKey: string | null;
  readonly signIn: (key: string) => void;
  readonly signOut: () => void;
}

export const SessionContext = createContext<Session>({ apiKey: null, signIn: () => {}, signOut: () => {} });

/** The session of this tab. */
export function useSession(): Session {
  return useContext(SessionContext);
}
