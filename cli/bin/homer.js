#!/usr/bin/env node
// A committed shim, so npm can link the `homer` bin before the TypeScript is built.
import "../dist/main.js";
