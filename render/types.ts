/**
 * A file the program places on the host, as produced by a pure renderer.
 * Components turn these into `HostFile`/`SystemdUnit` resources; `npm run render` writes them
 * under a directory so real validators can check them.
 */
export interface RenderedFile {
  /** Absolute path on the host, e.g. `/etc/systemd/system/heartbeat-log.timer`. */
  readonly path: string;
  /** Full file content. */
  readonly content: string;
  /** Octal mode string, e.g. `"0644"`; scripts are `"0755"`. */
  readonly mode: string;
  /** Owner user name (default `root`). */
  readonly owner?: string;
  /** Owner group name (default `root`). */
  readonly group?: string;
  /** What the file is, so tests pick the right validator. */
  readonly kind: RenderedFileKind;
}

/** `unit`: systemd unit or drop-in; `script`: executable shell script; `config`: anything else. */
export type RenderedFileKind = "unit" | "script" | "config";
