import { z } from "zod";
import { isHostname, isIpv4 } from "./hostname";

/**
 * Whether `url` is a git remote the host can clone from: `https://host/path`,
 * `ssh://[user@]host[:port]/path`, `user@host:path`, `file:///abs/path` or an absolute path
 * (the last two serve the sandbox).
 */
export function isGitUrl(url: string): boolean {
  if (/\s/.test(url)) return false;
  const https = /^https:\/\/([^/:@]+)(?::[0-9]{1,5})?\/[^?#]+$/.exec(url);
  if (https) return hostOk(https[1]!);
  const ssh = /^ssh:\/\/(?:[a-z_][a-z0-9_-]*@)?([^/:@]+)(?::[0-9]{1,5})?\/.+$/.exec(url);
  if (ssh) return hostOk(ssh[1]!);
  const scp = /^[a-z_][a-z0-9_-]*@([^/:@]+):[^/].*$/.exec(url);
  if (scp) return hostOk(scp[1]!);
  const path = /^(?:file:\/\/)?(\/[^?#]+)$/.exec(url);
  if (path) return !path[1]!.split("/").includes("..");
  return false;
}

function hostOk(host: string): boolean {
  return isHostname(host) || isIpv4(host);
}

/** A git remote URL: https, ssh, scp-like, `file://` or an absolute path. */
export const gitUrlSchema = z.string({ error: "a git repository URL" }).refine(isGitUrl, {
  error:
    "a git URL: https://host/path, ssh://[user@]host/path, user@host:path, file:///path or /absolute/path (no spaces)",
});
