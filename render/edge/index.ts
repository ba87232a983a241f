import type { HemmaConfig } from "../../config/schema";
import type { RenderedFile } from "../types";
import { renderDockerIngressHook } from "./docker-ingress";
import { renderFail2banFiles } from "./fail2ban";
import { renderVhostFiles } from "./nginx-hardening";
import { renderSshdHardeningFile } from "./sshd-hardening";

/**
 * Every non-secret host file of the edge layer that `hemma:edge.manage` turns on: the two
 * nginx-proxy vhost.d snippets, the sshd hardening drop-in, ufw's `after.init` hook and the
 * fail2ban jails and filter. The htpasswd files hold secrets and are rendered by the component
 * from secret config (`renderHtpasswdFile`); the UFW rule set is not a file (`renderUfwRules`).
 */
export function renderEdge(config: Pick<HemmaConfig, "edge" | "proxy">): RenderedFile[] {
  const { edge } = config;
  return [
    ...(edge.manage.nginx ? renderVhostFiles({ ...edge.nginx, hostVhostDir: config.proxy.vhostDir }) : []),
    ...(edge.manage.sshd ? [renderSshdHardeningFile(edge.ssh.dropInPath, edge.ssh)] : []),
    ...(edge.manage.firewall ? [renderDockerIngressHook(edge.firewall.containerIngress)] : []),
    ...(edge.manage.fail2ban ? renderFail2banFiles(edge.fail2ban) : []),
  ];
}

/**
 * The edge files `renderEdge` leaves out because they hold secrets, with the reason: one htpasswd
 * file per `hemma:edge.basicAuth` vhost (when nginx is managed), built from its hash secret.
 */
export function edgeFilesLeftOut(
  config: Pick<HemmaConfig, "edge" | "proxy">,
): { path: string; reason: string }[] {
  if (!config.edge.manage.nginx) return [];
  return config.edge.basicAuth.map((b) => ({
    path: `${config.proxy.htpasswdDir}/${b.vhost}`,
    reason: `it holds the hash of the secret hemma:${b.hashSecret}, and render writes no secret`,
  }));
}

export {
  renderGlobalHardening,
  renderVhostDefault,
  renderVhostFiles,
  GLOBAL_HARDENING_FILE,
  NGINX_PROXY_EDGE_ENV,
} from "./nginx-hardening";
export { renderHtpasswd, renderHtpasswdFile, htpasswdHashScheme } from "./htpasswd";
export {
  renderSshdHardening,
  renderSshdHardeningFile,
  sshdValidateCommand,
  sshdValidateScript,
} from "./sshd-hardening";
export {
  renderUfwRules,
  parseUfwShowAdded,
  diffUfwRules,
  ufwApplyCommands,
  UFW_DEFAULT_INPUT_POLICY,
} from "./ufw-rules";
export {
  renderFail2banFiles,
  renderProbeFilter,
  fail2banIgnoreIp,
  ALWAYS_IGNORED,
  PROBE_FAILREGEX,
} from "./fail2ban";
export {
  renderDockerIngressHook,
  dockerIngressRules,
  DOCKER_INGRESS_APPLY_COMMAND,
  UFW_AFTER_INIT,
} from "./docker-ingress";
