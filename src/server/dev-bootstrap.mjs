// Runs a .ts entry under tsx in a child process (dev and tests; dist/ runs the .js directly):
// `node dev-bootstrap.mjs <entry-url> [args...]`; the entry sees [args...] as process.argv.slice(2).
import { register } from "tsx/esm/api";

register();
const [entry] = process.argv.splice(2, 1);
await import(entry);
