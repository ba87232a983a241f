import { createHash } from "node:crypto";

/** SHA-256 of a UTF-8 string as lower-case hex, the same value `sha256sum` prints for the file. */
export function sha256Hex(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}
