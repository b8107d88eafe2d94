#!/usr/bin/env node
// The `filegate` command. The CLI is TypeScript run without a build step, as the rest of the
// repository is: tsx's loader is registered first, then the program is imported.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
