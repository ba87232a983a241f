import * as docker from "@pulumi/docker";
import { installMocks, T } from "../../../scripts/mock-engine";
import { NginxProxy } from "../../../components/docker/nginx-proxy";
import { AcmeCompanion } from "../../../components/docker/acme-companion";
import { LOGGING, ACCESS } from "./fixtures";
import { NGINX_PROXY_EDGE_ENV } from "../../../render/edge/nginx-hardening";

const h = installMocks();
beforeEach(() => h.reset());

function build(staging: boolean): void {
  const net = new docker.Network("net", { name: "hule-network" });
  const proxy = new NginxProxy("nginx-proxy", {
    image: "nginxproxy/nginx-proxy:1.6",
    network: net.name,
    defaultHost: "skriptoteket.hule.education",
    certsVolumeName: "infrastructure_nginx_certs",
    htmlVolumeName: "infrastructure_nginx_html",
    vhostDir: "/home/paunchygent/infrastructure/nginx/vhost.d",
    htpasswdDir: "/home/paunchygent/infrastructure/htpasswd",
    confdDir: "/home/paunchygent/infrastructure/nginx/conf.d",
    logging: LOGGING,
    access: ACCESS,
    env: NGINX_PROXY_EDGE_ENV,
  });
  new AcmeCompanion("acme-companion", {
    image: "nginxproxy/acme-companion:2.4",
    proxy: proxy.container,
    proxyContainerName: "nginx-proxy",
    network: net.name,
    certsVolume: proxy.certsVolume.name,
    htmlVolume: proxy.htmlVolume.name,
    vhostDir: "/home/paunchygent/infrastructure/nginx/vhost.d",
    acmeVolumeName: "infrastructure_acme_state",
    email: "ops@hule.education",
    staging,
    logging: LOGGING,
    access: ACCESS,
  });
}

test("nginx-proxy has the exact inputs", async () => {
  build(false);
  await h.settle();
  const c = h.get(T.container, "nginx-proxy");
  expect(c.inputs).toEqual({
    name: "nginx-proxy",
    image: "nginxproxy/nginx-proxy:1.6",
    ports: [
      { internal: 80, external: 80, protocol: "tcp" },
      { internal: 443, external: 443, protocol: "tcp" },
    ],
    // The edge's vhost.d/default sends HSTS (sent twice otherwise); no proxy sits in front to trust.
    envs: ["DEFAULT_HOST=skriptoteket.hule.education", "HSTS=off", "TRUST_DOWNSTREAM_PROXY=false"],
    labels: [{ label: "education.hule.hemma.managed-by", value: "hemma-infra" }],
    mounts: [
      { type: "bind", source: "/var/run/docker.sock", target: "/tmp/docker.sock", readOnly: true },
      { type: "volume", source: "infrastructure_nginx_certs", target: "/etc/nginx/certs", readOnly: true },
      { type: "volume", source: "infrastructure_nginx_html", target: "/usr/share/nginx/html" },
      {
        type: "bind",
        source: "/home/paunchygent/infrastructure/nginx/vhost.d",
        target: "/etc/nginx/vhost.d",
      },
      { type: "bind", source: "/home/paunchygent/infrastructure/nginx/conf.d", target: "/etc/nginx/conf.d" },
      {
        type: "bind",
        source: "/home/paunchygent/infrastructure/htpasswd",
        target: "/etc/nginx/htpasswd",
        readOnly: true,
      },
    ],
    networksAdvanced: [{ name: "hule-network" }],
    healthcheck: {
      tests: ["CMD-SHELL", "curl -s -o /dev/null --max-time 5 http://127.0.0.1/ || exit 1"],
      interval: "30s",
      timeout: "10s",
      retries: 3,
      startPeriod: "10s",
    },
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    removeVolumes: false,
    wait: true,
    waitTimeout: 120,
  });
  expect(c.options.deleteBeforeReplace).toBe(true);
});

test("acme-companion has the exact inputs and waits for the proxy", async () => {
  build(false);
  await h.settle();
  const c = h.get(T.container, "acme-companion");
  expect(c.inputs).toEqual({
    name: "acme-companion",
    image: "nginxproxy/acme-companion:2.4",
    envs: ["DEFAULT_EMAIL=ops@hule.education", "NGINX_PROXY_CONTAINER=nginx-proxy"],
    labels: [{ label: "education.hule.hemma.managed-by", value: "hemma-infra" }],
    mounts: [
      { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
      { type: "volume", source: "infrastructure_nginx_certs", target: "/etc/nginx/certs" },
      { type: "volume", source: "infrastructure_nginx_html", target: "/usr/share/nginx/html" },
      {
        type: "bind",
        source: "/home/paunchygent/infrastructure/nginx/vhost.d",
        target: "/etc/nginx/vhost.d",
      },
      { type: "volume", source: "infrastructure_acme_state", target: "/etc/acme.sh" },
    ],
    networksAdvanced: [{ name: "hule-network" }],
    healthcheck: {
      tests: ["CMD-SHELL", "pgrep -f letsencrypt_service >/dev/null && pgrep -f docker-gen >/dev/null"],
      interval: "30s",
      timeout: "10s",
      retries: 3,
      startPeriod: "30s",
    },
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    removeVolumes: false,
    wait: true,
    waitTimeout: 120,
  });
  expect(c.options.deleteBeforeReplace).toBe(true);
  expect(c.options.dependencies).toContain(h.get(T.container, "nginx-proxy").urn);
});

test("staging adds the staging CA, production does not", async () => {
  build(true);
  await h.settle();
  expect(h.get(T.container, "acme-companion").inputs.envs).toEqual([
    "DEFAULT_EMAIL=ops@hule.education",
    "NGINX_PROXY_CONTAINER=nginx-proxy",
    "ACME_CA_URI=https://acme-staging-v02.api.letsencrypt.org/directory",
  ]);
});

test("certs, html and acme state volumes are protected and retained", async () => {
  build(false);
  await h.settle();
  const vols = h
    .ofType(T.volume)
    .map((v) => [v.name, v.inputs.name, v.options.protect, v.options.retainOnDelete]);
  expect(vols.sort()).toEqual([
    ["acme-companion-state", "infrastructure_acme_state", true, true],
    ["nginx-proxy-certs", "infrastructure_nginx_certs", true, true],
    ["nginx-proxy-html", "infrastructure_nginx_html", true, true],
  ]);
});
