/** `dir` (made 0700 when missing) if only this user may write it, else undefined: then nothing is cached. */
export function privateDir(dir: string): string | undefined;
/** The text cached as `name` in `dir`, or undefined when there is none (or no cache: `dir` undefined). */
export function readCached(dir: string | undefined, name: string): string | undefined;
/** Stores `text` as `name` in `dir` (mode 0600), written then renamed; skipped when it cannot be written. */
export function writeCached(dir: string | undefined, name: string, text: string): void;
