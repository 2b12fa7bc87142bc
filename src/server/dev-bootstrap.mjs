// Runs a .ts entry under tsx in a child process (dev and tests; dist/ runs main.js directly).
import { register } from "tsx/esm/api";

register();
await import(process.argv[2]);
