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
