import { T, envMap } from "../../scripts/mock-engine";
import { type BuiltStack, buildStack, dockerLayerResources } from "./stack-fixture";
import { dockerPolicyTests } from "./docker-policy";

let built: BuiltStack;
beforeAll(async () => {
  built = await buildStack("dev");
});

test("dev declares the same docker layer as prod, against the sandbox's Docker Engine over SSH", () => {
  const sha7 = built.config.app.commit.slice(0, 7);
  expect(dockerLayerResources(built.harness)).toEqual(
    expect.arrayContaining([
      "docker:index/container:Container shared-postgres",
      `docker:index/container:Container skriptoteket-web-${sha7}`,
      "docker:index/container:Container nginx-proxy",
      "docker:index/container:Container acme-companion",
      "command:remote:Command skriptoteket-migrate",
    ]),
  );
  expect(dockerLayerResources(built.harness)).toHaveLength(36);
  const p = built.harness.get(T.dockerProvider, "docker");
  expect(p.inputs.host).toBe("ssh://paunchygent@127.0.0.1:2222");
  const opts = JSON.parse(p.inputs.sshOpts as string) as string[];
  expect(opts).toContain("StrictHostKeyChecking=yes");
});

test("dev uses staging certificates, local image names and a relaxed /healthz", () => {
  const h = built.harness;
  expect(h.get(T.container, "acme-companion").inputs.envs).toContain(
    "ACME_CA_URI=https://acme-staging-v02.api.letsencrypt.org/directory",
  );
  const web = h.get(T.container, `skriptoteket-web-${built.config.app.commit.slice(0, 7)}`);
  expect(web.inputs.image).toBe(`hemma-dev/skriptoteket-web:${built.config.app.commit}`);
  const env = envMap(web.inputs.envs);
  expect(env.HEALTHZ_SMTP_CHECK_ENABLED).toBe("false");
  expect(env.VIRTUAL_HOST).toBe("skriptoteket.hemma.test");
  expect(env.RUNNER_IMAGE).toBe(`hemma-dev/skriptoteket-runner:${built.config.app.commit}`);
});

dockerPolicyTests(() => built);

test("nginx-proxy runs with exactly the edge env: the edge's HSTS only, no downstream proxy trusted", () => {
  expect(built.harness.get(T.container, "nginx-proxy").inputs.envs).toEqual([
    "DEFAULT_HOST=skriptoteket.hemma.test",
    "HSTS=off",
    "TRUST_DOWNSTREAM_PROXY=false",
  ]);
});

test("dev enforces the edge like prod: prod's rule set with the program's SSH on eth0, jails that ban the LAN but not the Docker networks", () => {
  const h = built.harness;
  expect(h.get("pulumi-nodejs:dynamic/host:UfwRules", "edge-firewall-rules").inputs.rules).toEqual([
    "allow 80/tcp",
    "allow 443/tcp",
    "allow in on eth0 to any port 22 proto tcp",
    "allow from 192.168.0.0/24 to any port 22 proto tcp",
    "allow from 172.16.0.0/12 to any port 8082 proto tcp comment 'LLM server for Docker'",
  ]);
  const sshd = h.get("pulumi-nodejs:dynamic/host:HostFile", "edge-fail2ban-sshd-local").inputs.content;
  expect(sshd).toContain("\nignoreip = 127.0.0.0/8 ::1 172.16.0.0/12\n");
  // The probe jail follows the log of the nginx-proxy container the docker layer made, under the sandbox's own Docker.
  expect(h.get("pulumi-nodejs:dynamic/host:Fail2banJails", "edge-fail2ban-jails").inputs.logs).toEqual([
    { jail: "nginx-proxy-probe", path: "/var/lib/docker/containers/nginx-proxy-id/nginx-proxy-id-json.log" },
  ]);
});
