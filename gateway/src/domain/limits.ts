import type { Role } from "./records.js";

/** Versions count from 1 up to the largest 32-bit signed integer (both backends' `integer`). */
export const MAX_VERSION = 2 ** 31 - 1;

/** Versions a listing returns when the caller does not say (`first`). */
export const DEFAULT_PAGE_SIZE = 50;

/** The most versions one listing page may return. */
export const MAX_PAGE_SIZE = 500;

/**
 * Rows one statement reads or writes at a time (blob rows, file rows, recovery
 * scans): bounded so no statement exceeds a backend's parameter limit.
 */
export const BATCH = 500;

/**
 * The most aliases one model (family) may have: every reader of aliases (a version's,
 * a family's, a listing's) reads them whole, so their number is bounded where they are made.
 */
export const MAX_ALIASES_PER_MODEL = 100;

/** Every role, weakest first. */
export const ROLES: readonly Role[] = Object.freeze(["read", "write", "admin"]);
