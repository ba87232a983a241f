import {
  comparableLive,
  networksDiffer,
  repairCommands,
  wantedNetworks,
} from "../../providers/container-networks";
import { inspectContainersScript, parseDockerInspect } from "../../providers/docker-inspect";
import {
  claimsOf,
  findStrays,
  removeStraysScript,
  type ContainerClaims,
} from "../../providers/stray-containers";
import { otherContainers, retireScript } from "../../providers/service-containers";
import { gateScript } from "../../providers/container-health-gate";

/** `docker inspect` of one container, trimmed to the fields the guards read. */
function raw(
  name: string,
  opts: {
    labels?: Record<string, string>;
    env?: string[];
    networks?: Record<string, string[]>;
    id?: string;
  } = {},
): object {
  return {
    Id: opts.id ?? `${name.replace(/[^a-f0-9]/g, "a").padEnd(12, "0")}${"f".repeat(52)}`,
    Name: `/${name}`,
    State: { Running: true },
    Config: { Labels: opts.labels ?? null, Env: opts.env ?? null },
    NetworkSettings: {
      Networks: Object.fromEntries(
        Object.entries(opts.networks ?? {}).map(([n, aliases]) => [n, { Aliases: aliases }]),
      ),
    },
  };
}

describe("parseDockerInspect", () => {
  it("reads name, labels, env and networks with their aliases", () => {
    const [c] = parseDockerInspect(
      JSON.stringify([
        raw("skriptoteket-web-a96e94b-1", {
          labels: { "education.hule.hemma.service": "skriptoteket-web" },
          env: ["VIRTUAL_HOST=skriptoteket.hemma.test", "A=x=y"],
          networks: { "hule-network": ["skriptoteket-web", "0123abcd4567"], bridge: [] },
        }),
      ]),
    );
    expect(c).toMatchObject({
      name: "skriptoteket-web-a96e94b-1",
      labels: { "education.hule.hemma.service": "skriptoteket-web" },
      env: { VIRTUAL_HOST: "skriptoteket.hemma.test", A: "x=y" },
      running: true,
      networks: [
        { name: "bridge", aliases: [] },
        { name: "hule-network", aliases: ["0123abcd4567", "skriptoteket-web"] },
      ],
    });
  });

  it("reads no output as no containers and null fields as empty", () => {
    expect(parseDockerInspect("")).toEqual([]);
    expect(
      parseDockerInspect(JSON.stringify([{ Id: "x", Name: "/y", Config: { Labels: null, Env: null } }]))[0],
    ).toEqual({ id: "x", name: "y", labels: {}, env: {}, running: false, networks: [] });
  });

  it("inspects one container by quoted name and treats a missing one as no output", () => {
    const script = inspectContainersScript("/usr/bin/docker", "it's");
    expect(script).toContain(`'/usr/bin/docker' container inspect 'it'\\''s'`);
    expect(script).toContain('*"No such container"*|*"No such object"*) exit 0');
  });
});

describe("container networks", () => {
  const wanted = wantedNetworks([
    { name: "hule-network", aliases: ["skriptoteket-web", "skriptoteket-web"] },
  ]);

  it("normalises the wanted attachments", () => {
    expect(wanted).toEqual([{ name: "hule-network", aliases: ["skriptoteket-web"] }]);
  });

  it("compares the wanted aliases only, and lists undeclared networks", () => {
    const live = comparableLive(wanted, [
      { name: "bridge", aliases: [] },
      { name: "hule-network", aliases: ["0123abcd4567", "skriptoteket-web"] },
    ]);
    expect(live).toEqual([
      { name: "bridge", aliases: [] },
      { name: "hule-network", aliases: ["skriptoteket-web"] },
    ]);
    expect(networksDiffer(wanted, live)).toBe(true);
    expect(networksDiffer(wanted, [{ name: "hule-network", aliases: ["skriptoteket-web"] }])).toBe(false);
  });

  it("repairs: disconnects what is undeclared, connects what is missing with its aliases", () => {
    expect(repairCommands("web-1", wanted, [{ name: "bridge", aliases: [] }])).toEqual([
      ["network", "disconnect", "--force", "bridge", "web-1"],
      ["network", "connect", "--alias", "skriptoteket-web", "hule-network", "web-1"],
    ]);
  });

  it("reconnects a network that lost an alias (Docker cannot add one in place)", () => {
    expect(repairCommands("web-1", wanted, [{ name: "hule-network", aliases: [] }])).toEqual([
      ["network", "disconnect", "--force", "hule-network", "web-1"],
      ["network", "connect", "--alias", "skriptoteket-web", "hule-network", "web-1"],
    ]);
  });

  it("does nothing when the container is attached as declared", () => {
    expect(
      repairCommands("web-1", wanted, [{ name: "hule-network", aliases: ["skriptoteket-web"] }]),
    ).toEqual([]);
  });
});

describe("stray containers", () => {
  const claims: ContainerClaims = {
    names: ["shared-postgres", "nginx-proxy"],
    labels: [{ key: "education.hule.hemma.service", value: "skriptoteket-web" }],
    aliases: [{ network: "hule-network", alias: "skriptoteket-web" }],
    virtualHosts: ["skriptoteket.hemma.test"],
  };
  const managed = { key: "education.hule.hemma.managed-by", value: "hemma-infra" };
  const containers = parseDockerInspect(
    JSON.stringify([
      raw("shared-postgres", { labels: { [managed.key]: managed.value } }),
      raw("shared-postgres-by-hand", { id: "bbbbbbbbbbbb" + "0".repeat(52) }),
      raw("pg-twin", {
        id: "cccccccccccc" + "0".repeat(52),
        networks: { "hule-network": ["skriptoteket-web"] },
      }),
      raw("web-copy", {
        id: "dddddddddddd" + "0".repeat(52),
        labels: { "education.hule.hemma.service": "skriptoteket-web" },
        env: ["VIRTUAL_HOST=other.example,skriptoteket.hemma.test"],
      }),
      raw("huleedu_api", {
        env: ["VIRTUAL_HOST=api.huleedu.hule.education"],
        networks: { "hule-network": [] },
      }),
      raw("nginx-proxy", { id: "eeeeeeeeeeee" + "0".repeat(52) }),
    ]),
  );

  it("names every claim a container makes", () => {
    expect(claimsOf(containers[3]!, claims)).toEqual([
      "label education.hule.hemma.service=skriptoteket-web",
      "VIRTUAL_HOST skriptoteket.hemma.test",
    ]);
  });

  it("finds claimants without the managed label, and leaves managed and co-tenant containers alone", () => {
    expect(findStrays(containers, claims, managed)).toEqual([
      { id: "eeeeeeeeeeee", name: "nginx-proxy", claims: ["name nginx-proxy"] },
      { id: "cccccccccccc", name: "pg-twin", claims: ["alias skriptoteket-web on hule-network"] },
      {
        id: "dddddddddddd",
        name: "web-copy",
        claims: [
          "label education.hule.hemma.service=skriptoteket-web",
          "VIRTUAL_HOST skriptoteket.hemma.test",
        ],
      },
    ]);
  });

  it("keeps each stray's inspect before stopping it gracefully and removing it without its volumes", () => {
    const script = removeStraysScript(
      "/usr/bin/docker",
      [{ id: "eeeeeeeeeeee", name: "nginx-proxy", claims: [] }],
      "/var/lib/hemma-infra/stray-containers",
      30,
      "20261201T120000Z",
    );
    const file = "/var/lib/hemma-infra/stray-containers/nginx-proxy-eeeeeeeeeeee-20261201T120000Z.json";
    expect(script.split("\n")).toEqual([
      "set -euo pipefail",
      "install -d -m 0700 '/var/lib/hemma-infra/stray-containers'",
      `'/usr/bin/docker' container inspect 'eeeeeeeeeeee' > '${file}'`,
      `chmod 0600 '${file}'`,
      "'/usr/bin/docker' stop --time 30 'eeeeeeeeeeee' >/dev/null",
      "'/usr/bin/docker' rm 'eeeeeeeeeeee' >/dev/null",
      `echo 'removed=eeeeeeeeeeee ${file}'`,
    ]);
  });
});

describe("networksDiffer", () => {
  it("ignores key and list order, which the engine does not keep", () => {
    const fromEngine = [
      { aliases: ["b", "a"], name: "n2" },
      { aliases: [], name: "n1" },
    ] as unknown as Parameters<typeof networksDiffer>[0];
    expect(
      networksDiffer(fromEngine, [
        { name: "n1", aliases: [] },
        { name: "n2", aliases: ["a", "b"] },
      ]),
    ).toBe(false);
    expect(networksDiffer(fromEngine, [{ name: "n2", aliases: ["a", "b"] }])).toBe(true);
  });
});

describe("service containers", () => {
  const label = "education.hule.hemma.service";
  const containers = parseDockerInspect(
    JSON.stringify([
      raw("skriptoteket-web-new", {
        id: "aaaaaaaaaaaa" + "1".repeat(52),
        labels: { [label]: "skriptoteket-web" },
      }),
      raw("skriptoteket-web-old", {
        id: "bbbbbbbbbbbb" + "1".repeat(52),
        labels: { [label]: "skriptoteket-web" },
      }),
      raw("skriptoteket-web-orphan", {
        id: "cccccccccccc" + "1".repeat(52),
        labels: { [label]: "skriptoteket-web" },
      }),
      raw("skriptoteket-worker-new", {
        id: "dddddddddddd" + "1".repeat(52),
        labels: { [label]: "skriptoteket-worker" },
      }),
      raw("shared-postgres", { id: "eeeeeeeeeeee" + "1".repeat(52) }),
      raw("huleedu_api", { id: "ffffffffffff" + "1".repeat(52), labels: { [label]: "huleedu-api" } }),
    ]),
  );

  it("are every container of the services except the declared ones, matched by full or short id", () => {
    const keep = ["aaaaaaaaaaaa" + "1".repeat(52), "dddddddddddd"];
    expect(otherContainers(containers, label, ["skriptoteket-web", "skriptoteket-worker"], keep)).toEqual([
      { id: "bbbbbbbbbbbb", name: "skriptoteket-web-old", service: "skriptoteket-web" },
      { id: "cccccccccccc", name: "skriptoteket-web-orphan", service: "skriptoteket-web" },
    ]);
  });

  it("stop together with the grace, then are removed without their volumes", () => {
    expect(
      retireScript(
        "/usr/bin/docker",
        [
          { id: "bbbbbbbbbbbb", name: "o", service: "s" },
          { id: "cccccccccccc", name: "p", service: "s" },
        ],
        30,
      ).split("\n"),
    ).toEqual([
      "set -euo pipefail",
      "'/usr/bin/docker' stop --time 30 'bbbbbbbbbbbb' 'cccccccccccc' >/dev/null",
      "'/usr/bin/docker' rm 'bbbbbbbbbbbb' 'cccccccccccc' >/dev/null",
    ]);
  });
});

describe("health gate script", () => {
  it("passes on healthy, and otherwise stops the container with the grace and removes it", () => {
    const script = gateScript("/usr/bin/docker", "web-1", 40, 30);
    expect(script).toContain("healthy) echo health=healthy; exit 0 ;;");
    expect(script).toContain("deadline=$((SECONDS + 40))");
    expect(script).toContain("'/usr/bin/docker' stop --time 30 'web-1'");
    expect(script).toContain("'/usr/bin/docker' rm 'web-1'");
    expect(script).toMatch(/exit 3$/);
  });
});
