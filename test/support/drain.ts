import type { Writable } from "node:stream";

/** Until `stream` takes more (`drain`) or is gone (`close`); each wait takes its listeners off again, so none pile up. */
export function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}
