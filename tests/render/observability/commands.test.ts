/**
 * The config files' validate and onChange commands, run under bash against a fake docker CLI
 * whose `exec` runs the command on this machine: the Prometheus checks are the real promtool.
 */
import * as fs from "fs";
import * as path from "path";
import {
  CONTAINER_CHECKS,
  prometheusReloadCommand,
  restartCommand,
  validateInContainer,
} from "../../../render/observability/commands";
import { renderAlertRules } from "../../../render/observability/prometheus";
import { observabilitySchema } from "../../../config/schema/observability";
import { fakeHost, type FakeHost } from "../../components/docker/fake-host";
import { requireTool } from "../host/tools";
import { defaultFiles } from "./fixtures";

let host: FakeHost;
beforeAll(() => requireTool("promtool"));
beforeEach(() => {
  host = fakeHost(
    [
      'case "$1" in',
      '  inspect) [ -e "$STATE/running" ] && echo true; exit 0 ;;',
      '  exec) shift; [ "$1" = -i ] && shift; shift; exec "$@" ;;',
      "  restart) exit 0 ;;",
      "esac",
      "exit 99",
    ].join("\n"),
  );
});
afterEach(() => host.cleanup());

const running = () => fs.writeFileSync(path.join(host.dir, "state", "running"), "");
const prom = () => ({ dockerBin: host.docker, container: "prometheus" });
/** What the HostFile provider does with `{}`: the staged file's path. */
const staged = (command: string, content: string) => {
  const file = path.join(host.dir, "staged");
  fs.writeFileSync(file, content);
  return host.run(command.split("{}").join(JSON.stringify(file)));
};

describe("validate in the running container", () => {
  it("is exactly: inspect, then exec -i sh -c <check on a temp copy> with the staged file on stdin", () => {
    expect(
      validateInContainer({ dockerBin: "/snap/bin/docker", container: "loki" }, CONTAINER_CHECKS.lokiConfig),
    ).toBe(
      `if [ "$('/snap/bin/docker' inspect -f '{{.State.Running}}' 'loki' 2>/dev/null)" = true ]; then ` +
        `'/snap/bin/docker' exec -i 'loki' sh -c 'set -e\nt=$(mktemp)\ntrap '\\''rm -f "$t"'\\'' EXIT\ncat > "$t"\n` +
        `loki -verify-config -config.file="$t"' hemma-validate < {}; fi`,
    );
  });

  it("accepts any file while the container is not running (the first create), calling no exec", () => {
    const r = staged(validateInContainer(prom(), CONTAINER_CHECKS.prometheusConfig), "not: [yaml");
    expect(r.status).toBe(0);
    expect(host.calls().map((c) => c.split("\t")[1]!.split(" ")[0])).toEqual(["inspect"]);
  });

  it("runs promtool on the candidate: the rendered config and rules pass, a broken one is refused", () => {
    running();
    const [config] = defaultFiles().prometheus;
    const rules = renderAlertRules(observabilitySchema.parse({}).prometheus.alerts);
    const checkConfig = validateInContainer(prom(), CONTAINER_CHECKS.prometheusConfig);
    const checkRules = validateInContainer(prom(), CONTAINER_CHECKS.prometheusRules);
    expect(staged(checkConfig, config!.content).status).toBe(0);
    expect(staged(checkRules, rules).status).toBe(0);
    const bad = staged(checkConfig, config!.content.replace("scrape_interval: 15s", "scrape_interval: soon"));
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain("not a valid duration string");
    const badRule = staged(checkRules, rules.replace("== 0", "=== 0"));
    expect(badRule.status).not.toBe(0);
  });
});

describe("applying a change", () => {
  it("Prometheus reloads through its lifecycle endpoint, only while it runs", () => {
    expect(prometheusReloadCommand({ dockerBin: "/snap/bin/docker", container: "prometheus" })).toBe(
      `if [ "$('/snap/bin/docker' inspect -f '{{.State.Running}}' 'prometheus' 2>/dev/null)" = true ]; then ` +
        "'/snap/bin/docker' exec 'prometheus' wget -q -O /dev/null --post-data= http://127.0.0.1:9090/-/reload; fi",
    );
  });

  it("the others restart, only while they run, and a failed restart fails the command", () => {
    const cmd = restartCommand({ dockerBin: host.docker, container: "loki" });
    expect(host.run(cmd).status).toBe(0);
    expect(host.calls().map((c) => c.split("\t")[1])).toEqual(["inspect -f {{.State.Running}} loki"]);
    running();
    expect(host.run(cmd).status).toBe(0);
    expect(host.calls().map((c) => c.split("\t")[1])).toEqual([
      "inspect -f {{.State.Running}} loki",
      "inspect -f {{.State.Running}} loki",
      "restart loki",
    ]);
    const failing = restartCommand({ dockerBin: host.docker, container: "missing" });
    fs.writeFileSync(
      host.docker,
      fs.readFileSync(host.docker, "utf8").replace("restart) exit 0", "restart) exit 1"),
    );
    expect(host.run(failing).status).toBe(1);
  });
});
