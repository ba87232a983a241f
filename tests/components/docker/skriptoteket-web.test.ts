import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { envMap, installMocks, T } from "../../../scripts/mock-engine";
import { AppImage } from "../../../components/docker/app-image";
import { SkriptoteketWeb } from "../../../components/docker/skriptoteket-web";
import { renderMigrationScript } from "../../../components/docker/migration-script";
import { withTimeout } from "../../../components/actions/shell";
import { COMMIT, CONNECTION, LOGGING, ACCESS } from "./fixtures";
import { SPEC_DEFAULT_SETTINGS, SPEC_ENV_KEYS } from "./spec-env-keys";

const h = installMocks();
beforeEach(() => h.reset());

const HOST_IMAGE = "pulumi-nodejs:dynamic/host:HostImage";
const WEB_REF = `skriptoteket-web:${COMMIT}`;
const RUNNER_REF = `skriptoteket-runner:${COMMIT}`;

function build(worker = false): SkriptoteketWeb {
  const image = (repository: string, dockerfile: string, target: string) =>
    new AppImage(`${repository}-image`, {
      access: ACCESS,
      repoUrl: "https://github.com/paunchygent/skriptoteket.git",
      commit: COMMIT,
      buildDir: "/srv/build",
      dockerfile,
      target,
      repository,
    });
  const network = new docker.Network("net", { name: "hule-network" });
  const dbReady = new docker.Container("db-ready-stand-in", { image: "x:1" });
  return new SkriptoteketWeb("skriptoteket", {
    connection: CONNECTION,
    dockerBinary: "/snap/bin/docker",
    image: image("skriptoteket-web", "Dockerfile", "production"),
    runnerImage: image("skriptoteket-runner", "Dockerfile.runner", "runner"),
    commit: COMMIT,
    networkName: "hule-network",
    network,
    domain: "skriptoteket.hule.education",
    artifactsVolumeName: "skriptoteket_artifacts_data",
    settings: SPEC_DEFAULT_SETTINGS,
    secrets: {
      databasePassword: pulumi.secret("db-pw"),
      secretKey: pulumi.secret("sk"),
      smtpUsername: pulumi.secret("u"),
      smtpPassword: pulumi.secret("smtp-pw"),
      openaiCompletionApiKey: pulumi.secret(""),
      openaiChatApiKey: pulumi.secret(""),
      openaiChatOpsApiKey: pulumi.secret(""),
    },
    database: { host: "shared-postgres", port: 5432, name: "skriptoteket", user: "skriptoteket" },
    databaseReady: dbReady,
    worker,
    logging: LOGGING,
    access: ACCESS,
  });
}

const webName = `skriptoteket-web-${COMMIT.slice(0, 7)}`;

test("web container matches spec §2.2 exactly (except env, checked below)", async () => {
  build();
  await h.settle();
  const { envs, ...rest } = h.get(T.container, webName).inputs;
  expect(envs).toHaveLength(56);
  expect(rest).toEqual({
    image: WEB_REF,
    mounts: [
      { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true },
      { type: "volume", source: "skriptoteket_artifacts_data", target: "/app/.artifacts" },
    ],
    hosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
    networksAdvanced: [{ name: "hule-network", aliases: ["skriptoteket-web"] }],
    labels: [
      { label: "education.hule.hemma.managed-by", value: "hemma-infra" },
      { label: "education.hule.hemma.service", value: "skriptoteket-web" },
      { label: "education.hule.hemma.commit", value: COMMIT },
    ],
    healthcheck: {
      tests: [
        "CMD",
        "python",
        "-c",
        "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://localhost:8000/healthz', timeout=8).status == 200 else 1)",
      ],
      interval: "30s",
      timeout: "10s",
      retries: 3,
      startPeriod: "10s",
    },
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    removeVolumes: false,
    wait: false,
    destroyGraceSeconds: 30,
  });
});

test("the web and worker containers are health-gated: a gate per container with the health timeout and the stop grace", async () => {
  build(true);
  await h.settle();
  const GATE = "pulumi-nodejs:dynamic/host:ContainerHealthGate";
  for (const name of [webName, `skriptoteket-worker-${COMMIT.slice(0, 7)}`]) {
    const gate = h.get(GATE, `${name}-health`);
    expect([gate.inputs.container, gate.inputs.timeoutSeconds, gate.inputs.stopGraceSeconds]).toEqual([
      h.get(T.container, name).inputs.name ?? gate.inputs.container,
      180,
      30,
    ]);
    expect(gate.options.dependencies).toContain(h.get(T.container, name).urn);
    expect(gate.options.customTimeouts.create).toBe("330s");
  }
  // The retire step waits for both gates and keeps exactly the two new containers.
  const retire = h.get("pulumi-nodejs:dynamic/host:ServiceContainers", "skriptoteket-web-retire");
  expect(retire.inputs).toMatchObject({
    serviceLabel: "education.hule.hemma.service",
    services: ["skriptoteket-web", "skriptoteket-worker"],
    stopGraceSeconds: 30,
    others: [],
  });
  expect((retire.inputs.keep as string[]).length).toBe(2);
  expect(retire.options.dependencies).toEqual(
    expect.arrayContaining([
      h.get(GATE, `${webName}-health`).urn,
      h.get(GATE, `skriptoteket-worker-${COMMIT.slice(0, 7)}-health`).urn,
    ]),
  );
  // The new worker starts only after the new web container passed its gate.
  expect(h.get(T.container, `skriptoteket-worker-${COMMIT.slice(0, 7)}`).options.dependencies).toContain(
    h.get(GATE, `${webName}-health`).urn,
  );
});

test("no fixed container name: every replacement gets a fresh name (create-before-delete)", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, webName);
  expect(c.inputs.name).toBeUndefined();
  expect(c.options.deleteBeforeReplace).toBe(false);
});

test("env: the spec's 56 keys, RUNNER_IMAGE is the runner tag, secrets stay secret", async () => {
  build();
  await h.settle();
  const c = h.get(T.container, webName);
  const env = envMap(c.inputs.envs);
  expect(Object.keys(env).sort()).toEqual([...SPEC_ENV_KEYS].sort());
  expect(env.RUNNER_IMAGE).toBe(RUNNER_REF);
  expect(env.RUNNER_QUEUE_ENABLED).toBe("false");
  expect(env.DATABASE_URL).toBe("postgresql+asyncpg://skriptoteket:db-pw@shared-postgres:5432/skriptoteket");
  expect(env.VIRTUAL_HOST).toBe("skriptoteket.hule.education");
  expect(env.VIRTUAL_PORT).toBe("8000");
  expect(env.LETSENCRYPT_HOST).toBe("skriptoteket.hule.education");
  expect(c.secretPaths).toEqual(["envs"]);
});

test("migration: new image, env on stdin without proxy keys, secret, triggered by the image and the database ensure", async () => {
  build();
  await h.settle();
  const m = h.get(T.command, "skriptoteket-migrate");
  expect(m.inputs.create).toBe(
    withTimeout(
      600,
      renderMigrationScript({ dockerBinary: "/snap/bin/docker", network: "hule-network", image: WEB_REF }),
    ),
  );
  expect(m.inputs.triggers).toEqual([WEB_REF, "db-ready-stand-in-id"]);
  expect(m.secretPaths).toContain("stdin");
  expect(m.inputs.logging).toBe("none");
  expect(m.inputs.delete).toBeUndefined();
  const env = envMap((m.inputs.stdin as string).trimEnd().split("\n"));
  expect(Object.keys(env).sort()).toEqual(
    SPEC_ENV_KEYS.filter((k) => !["VIRTUAL_HOST", "VIRTUAL_PORT", "LETSENCRYPT_HOST"].includes(k)).sort(),
  );
  expect(env.SECRET_KEY).toBe("sk");
});

test("ordering: migration after the web build and the database; container after migration and both builds", async () => {
  build();
  await h.settle();
  const urn = (type: string, name: string) => h.get(type, name).urn;
  const m = h.get(T.command, "skriptoteket-migrate");
  expect(m.options.dependencies).toEqual(
    expect.arrayContaining([
      urn(HOST_IMAGE, "skriptoteket-web-image-build"),
      urn(T.container, "db-ready-stand-in"),
    ]),
  );
  const c = h.get(T.container, webName);
  expect(c.options.dependencies).toEqual(
    expect.arrayContaining([
      m.urn,
      urn(HOST_IMAGE, "skriptoteket-web-image-build"),
      urn(HOST_IMAGE, "skriptoteket-runner-image-build"),
      urn(T.network, "net"),
    ]),
  );
});

test("artifacts volume is protected and retained", async () => {
  build();
  await h.settle();
  const v = h.get(T.volume, "skriptoteket-artifacts");
  expect(v.inputs).toEqual({ name: "skriptoteket_artifacts_data" });
  expect([v.options.protect, v.options.retainOnDelete]).toEqual([true, true]);
});

test("without a worker there is one container; with one, a worker runs the queue", async () => {
  build(false);
  await h.settle();
  expect(
    h
      .ofType(T.container)
      .map((c) => c.name)
      .sort(),
  ).toEqual(["db-ready-stand-in", webName]);
  h.reset();
  build(true);
  await h.settle();
  const w = h.get(T.container, `skriptoteket-worker-${COMMIT.slice(0, 7)}`);
  expect(w.inputs.command).toEqual(["pdm", "run", "run-execution-worker"]);
  expect(w.inputs.image).toBe(WEB_REF);
  const env = envMap(w.inputs.envs);
  expect(env.RUNNER_QUEUE_ENABLED).toBe("true");
  expect(env.VIRTUAL_HOST).toBeUndefined();
  expect(w.inputs.networksAdvanced).toEqual([{ name: "hule-network" }]);
  expect(w.inputs.labels).toEqual([
    { label: "education.hule.hemma.managed-by", value: "hemma-infra" },
    { label: "education.hule.hemma.service", value: "skriptoteket-worker" },
    { label: "education.hule.hemma.commit", value: COMMIT },
  ]);
  expect([w.inputs.wait, w.inputs.restart, w.inputs.logDriver]).toEqual([
    false,
    "unless-stopped",
    "json-file",
  ]);
  expect(w.secretPaths).toEqual(["envs"]);
  expect(envMap(h.get(T.container, webName).inputs.envs).RUNNER_QUEUE_ENABLED).toBe("true");
});

test("outputs: url", async () => {
  expect(build().url).toBe("https://skriptoteket.hule.education");
  await h.settle();
});
