#!/usr/bin/env node
// The `cardmerge` command. The sources are TypeScript; tsx compiles them as they load.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
