import type { Framework } from "./types.js";

/** File patterns that give the framework away when no MLmodel says better. */
const FILE_HINTS: readonly [RegExp, Framework][] = [
  [/(^|\/)saved_model\.pb(txt)?$/, "TENSORFLOW"],
  [/\.onnx$/i, "ONNX"],
  [/\.(pt|pth)$/i, "PYTORCH"],
  [/\.(keras|h5|hdf5)$/i, "KERAS"],
  [/\.(xgb|ubj)$/i, "XGBOOST"],
  [/\.cbm$/i, "CATBOOST"],
  [/\.(lgb|lgbm)$/i, "LIGHTGBM"],
];

/** The framework file names give away (`saved_model.pb`, `*.onnx`, `*.pt`, …), if any. */
export function frameworkFromPaths(paths: readonly string[]): Framework | undefined {
  return FILE_HINTS.find(([pattern]) => paths.some((path) => pattern.test(path)))?.[1];
}
