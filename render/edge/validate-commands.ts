import { shellQuote } from "../../providers/shell";

/** Where the proxy runs: the docker CLI on the host and the container name. */
export interface ProxyContainer {
  /** Absolute path of the docker CLI on the host (prod `/snap/bin/docker`). */
  readonly dockerBin: string;
  /** nginx-proxy container name. */
  readonly container: string;
}

/**
 * Script run inside the proxy container (`sh`, argument `$1`: the vhost.d file name, stdin: the
 * candidate): copies the live nginx config to a temp directory, puts the candidate in place,
 * points every `/etc/nginx/` path at the copy and runs `nginx -t` on it. So the candidate is
 * tested exactly where nginx-proxy's generated config includes it. `src` is for tests.
 */
export function nginxCandidateTestScript(src = "/etc/nginx"): string {
  return [
    "set -e",
    `src=${shellQuote(src)}`,
    "w=$(mktemp -d)",
    "trap 'rm -rf \"$w\"' EXIT",
    'cp -a "$src/." "$w/"',
    'mkdir -p "$w/vhost.d"',
    'cat > "$w/vhost.d/$1"',
    'grep -rlF "$src/" "$w" | while read -r f; do sed -i "s#$src/#$w/#g" "$f"; done',
    'nginx -t -q -c "$w/nginx.conf"',
  ].join("\n");
}

/**
 * The HostFile `validate` command for a vhost.d file: `nginx -t` inside the running proxy with the
 * staged file (`{}`) in place. When the proxy container is not running there is nothing that
 * could break, and the file is accepted (docs/decisions/0061).
 */
export function nginxSnippetValidateCommand(proxy: ProxyContainer, fileName: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(fileName))
    throw new Error(`vhost.d file name '${fileName}' is not a plain file name`);
  const d = shellQuote(proxy.dockerBin);
  const c = shellQuote(proxy.container);
  return (
    `if [ "$(${d} inspect -f '{{.State.Running}}' ${c} 2>/dev/null)" = true ]; then ` +
    `${d} exec -i ${c} sh -c ${shellQuote(nginxCandidateTestScript())} hemma-nginx-validate ${shellQuote(fileName)} < {}; fi`
  );
}

/** The HostFile `onChange` command for proxy files: `nginx -s reload` in the running proxy, never a restart. */
export function nginxReloadCommand(proxy: ProxyContainer): string {
  const d = shellQuote(proxy.dockerBin);
  const c = shellQuote(proxy.container);
  return `if [ "$(${d} inspect -f '{{.State.Running}}' ${c} 2>/dev/null)" = true ]; then ${d} exec ${c} nginx -s reload; fi`;
}

/**
 * The HostFile `validate` command for a file under /etc/fail2ban: `fail2ban-client --test` on a
 * copy of the live config with the staged file (`{}`) at `path`, and for a filter also
 * `fail2ban-regex`. `etc` is for tests.
 */
export function fail2banValidateCommand(path: string, etc = "/etc/fail2ban"): string {
  if (!path.startsWith("/etc/fail2ban/"))
    throw new Error(`fail2ban file '${path}' is not under /etc/fail2ban/`);
  const rel = path.slice("/etc/fail2ban/".length);
  const script = [
    "set -e",
    "w=$(mktemp -d)",
    "trap 'rm -rf \"$w\"' EXIT",
    `cp -a ${shellQuote(etc)}/. "$w/"`,
    `cp "$1" "$w"/${shellQuote(rel)}`,
    'fail2ban-client -c "$w" --test >/dev/null',
    // --test reads a filter without compiling its regexes; fail2ban-regex compiles them.
    ...(rel.startsWith("filter.d/") ? ['fail2ban-regex /dev/null "$1" >/dev/null'] : []),
  ].join("\n");
  return `sh -c ${shellQuote(script)} hemma-fail2ban-validate {}`;
}
