/** Every group of the hostile corpus, in the order the runner sends them. */
import { malformedJson, batchedArrays } from "./bodies.js";
import { wrongArgumentTypes, versionsAndPageSizes } from "./arguments.js";
import { invalidCursors } from "./cursors.js";
import { hugeStrings, extremeMetrics } from "./sizes.js";
import { lookalikes, unstorableStrings } from "./strings.js";
import { pathTraversal, malformedMultipart } from "./uploads.js";
import { mapPaths } from "./multipart-map.js";
import { downloadUrls, rangeAbuse } from "./downloads.js";
import { queryShapes } from "./queries.js";
import { authorizationHeader, keysInUrls, readKeyMutations } from "./auth.js";
import { flavorsAndTags } from "./flavors.js";
import { hostileUpdates } from "./updates.js";
import { hostileLineage } from "./lineage.js";
import type { Group } from "./world.js";

export const GROUPS: readonly Group[] = [
  malformedJson,
  batchedArrays,
  wrongArgumentTypes,
  versionsAndPageSizes,
  invalidCursors,
  hugeStrings,
  extremeMetrics,
  lookalikes,
  unstorableStrings,
  pathTraversal,
  malformedMultipart,
  mapPaths,
  downloadUrls,
  rangeAbuse,
  queryShapes,
  authorizationHeader,
  keysInUrls,
  readKeyMutations,
  flavorsAndTags,
  hostileUpdates,
  hostileLineage,
];
