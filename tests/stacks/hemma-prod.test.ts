import { T, envMap } from "../../scripts/mock-engine";
import { type BuiltStack, buildStack, dockerLayerResources } from "./stack-fixture";
import { dockerPolicyTests } from "./docker-policy";
import { valueOf } from "../../scripts/mock-engine";
import {
  CODE_PROVIDER_NAME,
  PROVIDER_CODE_KEY,
  unpackProviderLoader,
} from "../../providers/dynamic-resource";

let built: BuiltStack;
beforeAll(async () => {
  built = await buildStack("prod");
});

const SHA7 = () => built.config.app.commit.slice(0, 7);

test("prod declares exactly the docker layer resources", () => {
  expect(dockerLayerResources(built.harness)).toEqual(
    [
      "pulumi:providers:docker docker",
      "hemma:docker:HuleNetwork hule-network",
      "docker:index/network:Network hule-network",
      "hemma:docker:SharedPostgres shared-postgres",
      "docker:index/volume:Volume shared-postgres-data",
      "docker:index/container:Container shared-postgres",
      "hemma:docker:PostgresAppDatabase db-skriptoteket",
      "command:remote:Command db-skriptoteket-ensure",
      "hemma:docker:AppImage skriptoteket-web-image",
      "pulumi-nodejs:dynamic/host:HostImage skriptoteket-web-image-build",
      "hemma:docker:AppImage skriptoteket-runner-image",
      "pulumi-nodejs:dynamic/host:HostImage skriptoteket-runner-image-build",
      "hemma:docker:SkriptoteketWeb skriptoteket",
      "docker:index/volume:Volume skriptoteket-artifacts",
      "command:remote:Command skriptoteket-migrate",
      `docker:index/container:Container skriptoteket-web-${SHA7()}`,
      `docker:index/container:Container skriptoteket-worker-${SHA7()}`,
      "hemma:docker:NginxProxy nginx-proxy",
      "docker:index/volume:Volume nginx-proxy-certs",
      "docker:index/volume:Volume nginx-proxy-html",
      "docker:index/container:Container nginx-proxy",
      "pulumi-nodejs:dynamic/host:HostDirectory nginx-proxy-vhost-dir",
      "pulumi-nodejs:dynamic/host:HostDirectory nginx-proxy-confd-dir",
      "pulumi-nodejs:dynamic/host:HostDirectory nginx-proxy-htpasswd-dir",
      "hemma:docker:AcmeCompanion acme-companion",
      "docker:index/volume:Volume acme-companion-state",
      "docker:index/container:Container acme-companion",
      "pulumi-nodejs:dynamic/host:StrayContainers stray-containers",
      "pulumi-nodejs:dynamic/host:ContainerNetworks shared-postgres-networks",
      `pulumi-nodejs:dynamic/host:ContainerNetworks skriptoteket-web-${SHA7()}-networks`,
      `pulumi-nodejs:dynamic/host:ContainerNetworks skriptoteket-worker-${SHA7()}-networks`,
      `pulumi-nodejs:dynamic/host:ContainerHealthGate skriptoteket-web-${SHA7()}-health`,
      `pulumi-nodejs:dynamic/host:ContainerHealthGate skriptoteket-worker-${SHA7()}-health`,
      "pulumi-nodejs:dynamic/host:ServiceContainers skriptoteket-web-retire",
      "pulumi-nodejs:dynamic/host:ContainerNetworks nginx-proxy-networks",
      "pulumi-nodejs:dynamic/host:ContainerNetworks acme-companion-networks",
    ].sort(),
  );
});

test("prod reaches the daemon over SSH with the pinned host key only", () => {
  const p = built.harness.get(T.dockerProvider, "docker");
  expect(p.inputs.host).toBe("ssh://paunchygent@hemma.tail730aa2.ts.net");
  const opts = JSON.parse(p.inputs.sshOpts as string) as string[];
  expect(opts).toContain("StrictHostKeyChecking=yes");
  expect(opts.find((o) => o.startsWith("KnownHostsCommand="))).toBe(
    `KnownHostsCommand=/bin/echo %H ${built.config.ssh.hostKey}`,
  );
});

test("prod web: spec values, production CA, snap docker in every action", () => {
  const h = built.harness;
  const env = envMap(h.get(T.container, `skriptoteket-web-${SHA7()}`).inputs.envs);
  expect(env.VIRTUAL_HOST).toBe("skriptoteket.hule.education");
  expect(env.RUNNER_IMAGE).toBe(`skriptoteket-runner:${built.config.app.commit}`);
  expect(env.EMAIL_SMTP_HOST).toBe("mail.privateemail.com");
  expect(env.HEALTHZ_SMTP_CHECK_ENABLED).toBe("true");
  expect(env.DATABASE_URL).toBe(
    "postgresql+asyncpg://skriptoteket:plansecret_skriptoteketDbPassword@shared-postgres:5432/skriptoteket",
  );
  expect(
    h.get(T.container, "acme-companion").inputs.envs.some((e: string) => e.startsWith("ACME_CA_URI=")),
  ).toBe(false);
  for (const c of h.ofType(T.command)) expect(c.inputs.create).toContain("'/snap/bin/docker'");
});

test("outputs: URL, container names and image tags", async () => {
  expect(built.outputs.urls).toEqual({ app: "https://skriptoteket.hule.education" });
  expect(built.outputs.images).toEqual({
    web: `skriptoteket-web:${built.config.app.commit}`,
    runner: `skriptoteket-runner:${built.config.app.commit}`,
  });
  expect(await valueOf(built.outputs.containers!.postgres)).toBe("shared-postgres");
  expect(await valueOf(built.outputs.containers!.nginxProxy)).toBe("nginx-proxy");
});

dockerPolicyTests(() => built);

test("nginx-proxy runs with exactly the edge env: the edge's HSTS only, no downstream proxy trusted", () => {
  expect(built.harness.get(T.container, "nginx-proxy").inputs.envs).toEqual([
    "DEFAULT_HOST=skriptoteket.hule.education",
    "HSTS=off",
    "TRUST_DOWNSTREAM_PROXY=false",
  ]);
});

test("prod's jails never ban a private address nor the tailnet the program logs in from", () => {
  const h = built.harness;
  for (const jail of ["sshd", "recidive", "nginx-proxy-probe"]) {
    expect(
      h.get("pulumi-nodejs:dynamic/host:HostFile", `edge-fail2ban-${jail}-local`).inputs.content,
    ).toContain(
      "\nignoreip = 127.0.0.0/8 ::1 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 100.64.0.0/10 fd7a:115c:a1e0::/48\n",
    );
  }
  expect(h.get("pulumi-nodejs:dynamic/host:Fail2banJails", "edge-fail2ban-jails").inputs.logs).toEqual([
    {
      jail: "nginx-proxy-probe",
      path: "/var/snap/docker/common/var-lib-docker/containers/nginx-proxy-id/nginx-proxy-id-json.log",
    },
  ]);
});

test("every dynamic resource takes its provider code, once, from the stack's code provider", () => {
  // The SDK's own `pulumi.dynamic.Resource` would serialize the provider's closure in every
  // process and store it in every resource: DynamicResource, decision 0110.
  const dynamic = built.harness.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  const types = [...new Set(dynamic.map((r) => r.type))].sort();
  expect(types).toEqual(
    expect.arrayContaining([
      "pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords",
      "pulumi-nodejs:dynamic/host:ContainerHealthGate",
      "pulumi-nodejs:dynamic/host:Fail2banJails",
      "pulumi-nodejs:dynamic/host:ServiceContainers",
    ]),
  );
  const [code, ...more] = built.harness.ofType("pulumi:providers:pulumi-nodejs");
  expect([code?.name, more.length]).toEqual([CODE_PROVIDER_NAME, 0]);
  const map = code!.inputs[PROVIDER_CODE_KEY] as Record<string, string>;
  for (const r of dynamic) {
    expect([r.type, r.provider, r.inputs.__provider]).toEqual([
      r.type,
      `${code!.urn}::${CODE_PROVIDER_NAME}-id`,
      expect.stringContaining(`const token = ${JSON.stringify(r.type)};`),
    ]);
    expect([r.type, unpackProviderLoader(map[r.type]!)]).toEqual([
      r.type,
      expect.stringContaining("exports.handler"),
    ]);
  }
});
