import { T } from "../../scripts/mock-engine";
import {
  type BuiltStack,
  SECRET_VALUES,
  STATEFUL_PATHS,
  inDockerLayer,
  nonSecretInputs,
} from "./stack-fixture";

/**
 * Policy checks every stack must pass; registered as jest tests by each stack's test file so
 * they run against that stack's real config.
 */
export function dockerPolicyTests(get: () => BuiltStack): void {
  test("every stateful path is an explicit named volume that is protected and retained", () => {
    const { harness: h } = get();
    const volumes = new Map(h.ofType(T.volume).map((v) => [v.inputs.name as string, v]));
    const checked: string[] = [];
    for (const c of h.ofType(T.container)) {
      for (const m of (c.inputs.mounts ?? []) as { type: string; source?: string; target: string }[]) {
        if (!STATEFUL_PATHS.includes(m.target)) continue;
        expect([c.name, m.target, m.type]).toEqual([c.name, m.target, "volume"]);
        const v = volumes.get(m.source ?? "");
        expect(v && [v.options.protect, v.options.retainOnDelete]).toEqual([true, true]);
        checked.push(`${c.inputs.name ?? c.name}:${m.target}`);
      }
      expect(c.inputs.volumes).toBeUndefined();
      expect(c.inputs.removeVolumes).toBe(false);
    }
    expect(checked.sort()).toEqual(
      expect.arrayContaining([
        "acme-companion:/etc/acme.sh",
        "nginx-proxy:/etc/nginx/certs",
        "nginx-proxy:/usr/share/nginx/html",
        "shared-postgres:/var/lib/postgresql/data",
      ]),
    );
    expect(checked.some((c) => c.endsWith(":/app/.artifacts"))).toBe(true);
  });

  test("every container: healthcheck, waited for (the provider's wait or a health gate), restart and explicit logging", () => {
    const { harness: h, config } = get();
    const gated = new Set(
      h
        .ofType("pulumi-nodejs:dynamic/host:ContainerHealthGate")
        .flatMap((g) => g.options.dependencies as string[]),
    );
    for (const c of h.ofType(T.container)) {
      expect([c.name, c.inputs.healthcheck?.tests?.length > 0]).toEqual([c.name, true]);
      expect([c.name, c.inputs.wait === true || gated.has(c.urn), c.inputs.restart]).toEqual([
        c.name,
        true,
        "unless-stopped",
      ]);
      expect([c.name, c.inputs.logDriver, c.inputs.logOpts]).toEqual([
        c.name,
        config.docker.logDriver,
        config.docker.logOpts,
      ]);
      expect([c.name, c.inputs.networksAdvanced?.[0]?.name]).toEqual([c.name, config.docker.network]);
    }
  });

  test("image tags: app images carry the commit, nothing uses latest", () => {
    const { harness: h, config } = get();
    for (const c of h.ofType(T.container)) expect(c.inputs.image).not.toMatch(/:latest$|^[^:@]+$/);
    const app = h.ofType(T.container).filter((c) => c.name.startsWith(`${config.app.containerName}-`));
    expect(app.map((c) => c.inputs.image)).toEqual([`${config.app.webImageRepository}:${config.app.commit}`]);
  });

  test("no secret value appears outside a secret input", () => {
    const { harness: h } = get();
    for (const r of h.resources) {
      const text = JSON.stringify(nonSecretInputs(r));
      for (const s of SECRET_VALUES) expect([r.name, text.includes(s)]).toEqual([r.name, false]);
    }
  });

  test("every docker-layer command: under timeout, no delete, no previous output, secret connection", () => {
    const { harness: h } = get();
    const cmds = h.ofType(T.command).filter(inDockerLayer);
    expect(cmds.length).toBeGreaterThan(0);
    for (const c of cmds) {
      expect([c.name, (c.inputs.create as string).startsWith("timeout --kill-after=10 ")]).toEqual([
        c.name,
        true,
      ]);
      expect([c.name, c.inputs.delete, c.inputs.addPreviousOutputInEnv]).toEqual([c.name, undefined, false]);
      expect(c.secretPaths).toContain("connection");
      expect(c.inputs.connection.hostKey).toMatch(/^ssh-ed25519 /);
      expect(c.inputs.connection.dialErrorLimit).toBe(3);
    }
  });

  test("every docker resource uses the explicit provider, never an ambient DOCKER_HOST", () => {
    const { harness: h } = get();
    const provider = h.get(T.dockerProvider, "docker");
    const dockerResources = h.resources.filter((r) => r.type.startsWith("docker:"));
    expect(dockerResources.length).toBeGreaterThan(0);
    for (const r of dockerResources)
      expect([r.name, r.provider]).toEqual([r.name, `${provider.urn}::docker-id`]);
  });

  test("the program calls no provider function (previews stay offline and deterministic)", () => {
    expect(get().harness.calls).toEqual([]);
  });

  test("the web container waits for its migration", () => {
    const { harness: h, config } = get();
    const migrate = h.get(T.command, "skriptoteket-migrate");
    const web = h.get(T.container, `${config.app.containerName}-${config.app.commit.slice(0, 7)}`);
    expect(web.options.dependencies).toContain(migrate.urn);
  });
}
