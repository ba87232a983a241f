/**
 * The file a package path resolves to under plain Node (npm hoists every package here), for the
 * stand-ins in `moduleNameMapper`: each requires the real module by this absolute path, which no
 * mapper pattern matches.
 */
import * as path from "path";

const NODE_MODULES = path.resolve(__dirname, "..", "..", "node_modules");

/** `node_modules/<parts…>` of this checkout. */
export function realModulePath(...parts: string[]): string {
  return path.join(NODE_MODULES, ...parts);
}
