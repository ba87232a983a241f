/**
 * The Fail2banJails provider's scripts run with bash against PATH shims of systemctl,
 * fail2ban-client and sleep that print what fail2ban 1.0 prints (never this machine's
 * fail2ban), plus its pure parsing and drift.
 */
import { spawnSync } from "child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import {
  convergeJailsScript,
  fail2banJailsProvider,
  jailsDrift,
  parseJailsState,
  readJailsScript,
  type JailLog,
  type JailsState,
} from "../../providers/fail2ban-jails";
import { UNKNOWN_VALUE } from "../../providers/values";

const PROXY_LOG: JailLog = {
  jail: "nginx-proxy-probe",
  path: "/var/lib/docker/containers/abc/abc-json.log",
};
const JAILS = ["nginx-proxy-probe", "recidive", "sshd"];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hemma-f2b-jails-"));
  mkdirSync(join(dir, "bin"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Shims keeping their state in files under `dir`: `active` (systemctl is-active), `enabled`,
 * `jails` (the running list) and `logs`; `calls` records every systemctl/fail2ban-client call.
 * `reload`/`start` run the jails in `jails.after-reload`.
 */
function shims(state: {
  active: boolean;
  enabled: boolean;
  jails: string;
  logs: string[];
  afterReload?: string;
}) {
  const f = (name: string) => join(dir, name);
  writeFileSync(f("active"), state.active ? "active" : "inactive");
  writeFileSync(f("enabled"), state.enabled ? "enabled" : "disabled");
  writeFileSync(f("jails"), state.jails);
  writeFileSync(f("logs"), state.logs.map((l) => `${l}\n`).join(""));
  writeFileSync(f("jails.after-reload"), state.afterReload ?? state.jails);
  writeFileSync(f("calls"), "");
  const sh = (name: string, body: string) => {
    writeFileSync(join(dir, "bin", name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(dir, "bin", name), 0o755);
  };
  sh(
    "systemctl",
    `echo "systemctl $*" >> ${f("calls")}
case "$1 $2" in
  "is-active -q") [ "$(cat ${f("active")})" = active ] ;;
  "is-active fail2ban") cat ${f("active")}; echo; [ "$(cat ${f("active")})" = active ] ;;
  "is-enabled fail2ban") cat ${f("enabled")}; echo ;;
  "enable -q") echo enabled > ${f("enabled")} ;;
  "start fail2ban") echo active > ${f("active")}; cp ${f("jails.after-reload")} ${f("jails")} ;;
esac`,
  );
  // fail2ban 1.0's own output formats.
  sh(
    "fail2ban-client",
    `echo "fail2ban-client $*" >> ${f("calls")}
case "$1" in
  status) printf 'Status\\n|- Number of jail:\\t3\\n\`- Jail list:\\t%s\\n' "$(cat ${f("jails")})" ;;
  reload) cp ${f("jails.after-reload")} ${f("jails")}; echo OK ;;
  get)
    echo 'Current monitored log file(s):'
    n=$(grep -c . ${f("logs")}); i=0
    while read -r l; do [ -n "$l" ] || continue; i=$((i+1)); if [ $i -lt $n ]; then echo "|- $l"; else echo '\`- '"$l"; fi; done < ${f("logs")} ;;
esac`,
  );
  sh("sleep", "true");
  return {
    run: (script: string) =>
      spawnSync("bash", ["-c", script], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` },
      }),
    calls: () => readFileSync(f("calls"), "utf8").trim().split("\n"),
  };
}

test("read: service state, the running jails and the proxy's log among those the jail follows", () => {
  const s = shims({
    active: true,
    enabled: true,
    jails: "nginx-proxy-probe, recidive, sshd",
    logs: ["/var/log/hemma/nginx-proxy-probe.placeholder.log", PROXY_LOG.path],
  });
  const r = s.run(readJailsScript([PROXY_LOG.jail]));
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(
    [
      "active=active",
      "enabled=enabled",
      "jail=nginx-proxy-probe",
      "jail=recidive",
      "jail=sshd",
      "log=nginx-proxy-probe /var/log/hemma/nginx-proxy-probe.placeholder.log",
      `log=nginx-proxy-probe ${PROXY_LOG.path}`,
      "",
    ].join("\n"),
  );
  expect(parseJailsState(r.stdout, [PROXY_LOG])).toEqual({
    active: true,
    enabled: true,
    running: JAILS,
    watched: [PROXY_LOG],
  });
});

test("read: a stopped jail is missing from the list; a stopped fail2ban lists nothing", () => {
  const s = shims({ active: true, enabled: true, jails: "nginx-proxy-probe, recidive", logs: [] });
  const running = parseJailsState(s.run(readJailsScript([PROXY_LOG.jail])).stdout, [PROXY_LOG]);
  expect(running).toEqual({
    active: true,
    enabled: true,
    running: ["nginx-proxy-probe", "recidive"],
    watched: [],
  });
  const stopped = shims({ active: false, enabled: false, jails: "sshd", logs: [] });
  expect(parseJailsState(stopped.run(readJailsScript([])).stdout, [])).toEqual({
    active: false,
    enabled: false,
    running: [],
    watched: [],
  });
});

test("drift names each difference", () => {
  const live: JailsState = { active: true, enabled: true, running: ["recidive", "sshd"], watched: [] };
  expect(jailsDrift(live, { jails: JAILS, logs: [PROXY_LOG] })).toEqual([
    "jail nginx-proxy-probe is not running",
    `jail nginx-proxy-probe does not follow ${PROXY_LOG.path}`,
  ]);
  expect(
    jailsDrift(
      { active: false, enabled: false, running: [], watched: [] },
      { jails: JAILS, logs: [PROXY_LOG] },
    ),
  ).toEqual(["fail2ban is not running", "fail2ban is not enabled"]);
  expect(
    jailsDrift(
      { active: true, enabled: true, running: JAILS, watched: [PROXY_LOG] },
      { jails: JAILS, logs: [PROXY_LOG] },
    ),
  ).toEqual([]);
});

test("converge on a running fail2ban: enable, reload (bans kept), wait until the jails run", () => {
  const s = shims({
    active: true,
    enabled: false,
    jails: "recidive",
    logs: [],
    afterReload: "nginx-proxy-probe, recidive, sshd",
  });
  const r = s.run(convergeJailsScript(JAILS));
  expect([r.status, r.stderr]).toEqual([0, ""]);
  expect(s.calls()).toEqual([
    "systemctl enable -q fail2ban",
    "systemctl is-active -q fail2ban",
    "fail2ban-client reload",
    "fail2ban-client status",
  ]);
});

test("converge on a stopped fail2ban starts it; jails that never come up fail with the list after 60 tries", () => {
  const started = shims({
    active: false,
    enabled: true,
    jails: "",
    logs: [],
    afterReload: "nginx-proxy-probe, recidive, sshd",
  });
  expect(started.run(convergeJailsScript(JAILS)).status).toBe(0);
  expect(started.calls().slice(0, 3)).toEqual([
    "systemctl enable -q fail2ban",
    "systemctl is-active -q fail2ban",
    "systemctl start fail2ban",
  ]);
  const broken = shims({ active: true, enabled: true, jails: "recidive", logs: [] });
  const r = broken.run(convergeJailsScript(JAILS));
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(
    "fail2ban runs [recidive], not every jail of [nginx-proxy-probe recidive sshd], after 60 s\n",
  );
  expect(broken.calls().filter((c) => c === "fail2ban-client status")).toHaveLength(60);
});

test("diff: a log path not known yet (a container still to be made) is a change; drift against the last read decides otherwise", async () => {
  const olds = {
    connection: {} as never,
    jails: JAILS,
    logs: [PROXY_LOG],
    active: true,
    enabled: true,
    running: JAILS,
    watched: [PROXY_LOG],
  };
  const diff = (news: object) => fail2banJailsProvider.diff!("id", olds, { ...olds, ...news } as never);
  await expect(diff({ logs: [{ jail: PROXY_LOG.jail, path: UNKNOWN_VALUE }] })).resolves.toEqual({
    changes: true,
  });
  await expect(diff({})).resolves.toEqual({ changes: false });
  const replaced = { jail: PROXY_LOG.jail, path: "/var/lib/docker/containers/def/def-json.log" };
  await expect(diff({ logs: [replaced] })).resolves.toEqual({ changes: true });
  const stopped = { ...olds, running: ["nginx-proxy-probe", "recidive"] };
  await expect(fail2banJailsProvider.diff!("id", stopped, olds as never)).resolves.toEqual({ changes: true });
});

test("check refuses a jail name that is not a plain word", async () => {
  const r = await fail2banJailsProvider.check!(
    {} as never,
    {
      connection: {
        host: "127.0.0.1",
        port: 22,
        user: "paunchygent",
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTAYmazVK6yPTYHtYudlZO/w0mdA6j9nHKwusoYdMae",
        privateKey: "k",
        connectTimeoutSeconds: 1,
        commandTimeoutSeconds: 1,
      },
      jails: ["sshd; reboot"],
      logs: [{ jail: "a b", path: "/x" }],
    } as never,
  );
  expect(r.failures).toEqual([
    { property: "jails", reason: "jails must be a list of jail names" },
    { property: "logs", reason: "each log names its jail" },
  ]);
});
