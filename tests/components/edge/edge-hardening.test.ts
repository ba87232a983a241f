/** The edge components under Pulumi mocks: exact resources, inputs, secrets and ordering. */
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../../../scripts/mock-engine";
import { EdgeHardening, type EdgeHardeningArgs } from "../../../components/edge/edge-hardening";
import { edgeSchema } from "../../../config/schema/edge";
import { probeDigest } from "../../../providers/revert-guard";
import { renderSshdHardening } from "../../../render/edge/sshd-hardening";
import { renderUfwRules } from "../../../render/edge/ufw-rules";
import { renderDockerIngressHook } from "../../../render/edge/docker-ingress";

const h = installMocks();
beforeEach(() => h.reset());

const HOST_FILE = "pulumi-nodejs:dynamic/host:HostFile";
const ARM = "pulumi-nodejs:dynamic/host:RevertGuardArm";
const CONFIRM = "pulumi-nodejs:dynamic/host:RevertGuardConfirm";
const UFW = "pulumi-nodejs:dynamic/host:UfwRules";
const JAILS = "pulumi-nodejs:dynamic/host:Fail2banJails";
const APR1 = "$apr1$kGQ5b0pD$Hn2qQ5gvRjPqv8T7s8oK7/";

function args(over: Partial<EdgeHardeningArgs> = {}): EdgeHardeningArgs {
  return {
    connection: {
      host: "127.0.0.1",
      port: 2222,
      user: "paunchygent",
      hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHemmaTestKeyHemmaTestKeyHemmaTestKeyHemmaT",
      privateKey: pulumi.secret("PRIVATE"),
    },
    edge: edgeSchema.parse({}),
    vhostDir: "/srv/vhost.d",
    htpasswdDir: "/srv/htpasswd",
    proxyContainer: "nginx-proxy",
    dockerBin: "/snap/bin/docker",
    basicAuthHashes: {
      jaegerBasicAuthHash: pulumi.secret(APR1),
      prometheusBasicAuthHash: pulumi.secret(APR1),
    },
    servedHosts: ["app.example.org", "grafana.example.org"],
    ...over,
  };
}

test("every part: snippets, htpasswd, guarded sshd and ufw, fail2ban", async () => {
  new EdgeHardening("edge", args());
  await h.settle();
  const names = (type: string) =>
    h
      .ofType(type)
      .map((r) => r.name)
      .sort();
  expect(names(HOST_FILE)).toEqual([
    "edge-fail2ban-nginx-proxy-probe-conf",
    "edge-fail2ban-nginx-proxy-probe-local",
    "edge-fail2ban-nginx-proxy-probe-placeholder-log",
    "edge-fail2ban-recidive-local",
    "edge-fail2ban-sshd-local",
    "edge-firewall-docker-ingress",
    "edge-nginx-htpasswd-jaeger-hemma-hule-education",
    "edge-nginx-htpasswd-prometheus-hemma-hule-education",
    "edge-nginx-vhost-default",
    "edge-nginx-vhost-global-hardening-conf",
    "edge-sshd-drop-in",
  ]);
  expect(names(ARM)).toEqual(["edge-firewall-revert-arm", "edge-sshd-revert-arm"]);
  expect(names(CONFIRM)).toEqual(["edge-firewall-revert-confirm", "edge-sshd-revert-confirm"]);
  expect(names(UFW)).toEqual(["edge-firewall-rules"]);
  expect(names(JAILS)).toEqual(["edge-fail2ban-jails"]);
  for (const c of ["NginxEdge", "SshdHardening", "Firewall", "Fail2ban"]) {
    expect(h.ofType(`hemma:edge:${c}`)).toHaveLength(1);
  }
});

test("vhost.d snippets: validated in the proxy, reloaded not restarted, default after global-hardening", async () => {
  new EdgeHardening("edge", args());
  await h.settle();
  const hardening = h.get(HOST_FILE, "edge-nginx-vhost-global-hardening-conf");
  const def = h.get(HOST_FILE, "edge-nginx-vhost-default");
  expect(hardening.inputs).toMatchObject({
    path: "/srv/vhost.d/global-hardening.conf",
    mode: "0644",
    createDirectories: true,
  });
  expect(def.inputs.validate).toContain("'/snap/bin/docker' exec -i 'nginx-proxy' sh -c");
  expect(def.inputs.validate).toContain("hemma-nginx-validate 'default' < {}");
  expect(def.inputs.onChange).toContain("'/snap/bin/docker' exec 'nginx-proxy' nginx -s reload");
  expect(def.inputs.onChange).not.toContain("restart");
  expect(def.options.dependencies).toContain(hardening.urn);
  // A vhost.d/<name> file for a served name would replace `default` for it: drift.
  expect(def.inputs).toMatchObject({
    shadows: { kind: "nginx-vhost", hosts: ["app.example.org", "grafana.example.org"] },
    shadowedBy: [],
  });
  expect(hardening.inputs.shadows).toBeUndefined();
});

test("htpasswd files: hash from secret config, content secret, root:101 0640", async () => {
  new EdgeHardening("edge", args());
  await h.settle();
  const f = h.get(HOST_FILE, "edge-nginx-htpasswd-jaeger-hemma-hule-education");
  expect(f.inputs).toMatchObject({
    path: "/srv/htpasswd/jaeger.hemma.hule.education",
    content: `admin:${APR1}\n`,
    mode: "0640",
    owner: "root",
    group: "101",
  });
  expect(f.secretPaths).toContain("content");
});

test("sshd drop-in sits between the revert Arm and the fresh-login Confirm", async () => {
  new EdgeHardening("edge", args());
  await h.settle();
  const arm = h.get(ARM, "edge-sshd-revert-arm");
  const file = h.get(HOST_FILE, "edge-sshd-drop-in");
  const confirm = h.get(CONFIRM, "edge-sshd-revert-confirm");
  const content = renderSshdHardening({
    allowUsers: ["root", "paunchygent"],
    permitRootLogin: "prohibit-password",
    maxSessions: 32,
  });
  expect(arm.inputs).toMatchObject({
    name: "sshd",
    paths: ["/etc/ssh/sshd_config.d/99-hardening.conf"],
    probeCommand: "cat '/etc/ssh/sshd_config.d/99-hardening.conf'",
    desiredDigest: probeDigest(content),
    timeoutSeconds: 90,
  });
  expect(file.inputs).toMatchObject({
    path: "/etc/ssh/sshd_config.d/99-hardening.conf",
    content,
    mode: "0644",
  });
  expect(file.inputs.validate).toMatch(/^sh -c '.*' hemma-sshd-validate \{\}$/s);
  // Another drop-in setting one of these keywords differently overrides ours: drift.
  expect(file.inputs).toMatchObject({
    shadows: {
      kind: "sshd",
      settings: {
        PasswordAuthentication: "no",
        KbdInteractiveAuthentication: "no",
        PubkeyAuthentication: "yes",
        PermitRootLogin: "prohibit-password",
        AllowUsers: "root paunchygent",
      },
    },
    shadowedBy: [],
  });
  expect(file.inputs.onChange).toBe(
    "if systemctl is-active -q ssh.service; then systemctl reload ssh.service; fi",
  );
  expect(file.options.dependencies).toContain(arm.urn);
  expect(confirm.options.dependencies).toContain(file.urn);
  expect(confirm.inputs).toMatchObject({
    name: "sshd",
    description: "sshd hardening (/etc/ssh/sshd_config.d/99-hardening.conf)",
  });
  expect(confirm.secretPaths).toContain("connection");
});

test("the firewall is guarded the same way and follows the sshd change", async () => {
  new EdgeHardening("edge", args({ edge: edgeSchema.parse({ firewall: { denyFrom: ["206.189.22.108"] } }) }));
  await h.settle();
  const ufw = h.get(UFW, "edge-firewall-rules");
  expect(ufw.inputs.rules).toEqual(
    renderUfwRules({ ...edgeSchema.parse({}).firewall, denyFrom: ["206.189.22.108"] }),
  );
  expect(ufw.options.dependencies).toContain(h.get(ARM, "edge-firewall-revert-arm").urn);
  expect(h.get(CONFIRM, "edge-firewall-revert-confirm").options.dependencies).toContain(ufw.urn);
  expect(h.get(ARM, "edge-firewall-revert-arm").options.dependencies).toContain(
    h.get(CONFIRM, "edge-sshd-revert-confirm").urn,
  );
});

test("ufw's after.init hook: executable, syntax-checked, applied when ufw runs, placed before the guarded rule change", async () => {
  new EdgeHardening("edge", args());
  await h.settle();
  const hook = h.get(HOST_FILE, "edge-firewall-docker-ingress");
  expect(hook.inputs).toMatchObject({
    path: "/etc/ufw/after.init",
    content: renderDockerIngressHook("published-ports").content,
    mode: "0750",
    validate: "sh -n {}",
    onChange: "if iptables -n -L ufw-user-input >/dev/null 2>&1; then /etc/ufw/after.init start; fi",
  });
  expect(h.get(ARM, "edge-firewall-revert-arm").options.dependencies).toContain(hook.urn);
  new EdgeHardening(
    "other",
    args({ edge: edgeSchema.parse({ firewall: { containerIngress: "docker-default" } }) }),
  );
  await h.settle();
  expect(h.get(HOST_FILE, "other-firewall-docker-ingress").inputs.content).toBe(
    renderDockerIngressHook("docker-default").content,
  );
});

test("fail2ban's running jails are read back after the files; with the docker layer the probe jail must follow the proxy's log", async () => {
  new EdgeHardening("edge", args({ proxyContainerId: pulumi.output("0123abcd") }));
  await h.settle();
  const jails = h.get(JAILS, "edge-fail2ban-jails");
  expect(jails.inputs.jails).toEqual(["nginx-proxy-probe", "recidive", "sshd"]);
  // The wanted live state, in the fields the provider reads the live one into.
  expect(jails.inputs).toMatchObject({
    active: true,
    enabled: true,
    running: ["nginx-proxy-probe", "recidive", "sshd"],
  });
  expect(jails.inputs.watched).toEqual(jails.inputs.logs);
  expect(jails.inputs.logs).toEqual([
    {
      jail: "nginx-proxy-probe",
      path: "/var/snap/docker/common/var-lib-docker/containers/0123abcd/0123abcd-json.log",
    },
  ]);
  expect(jails.options.dependencies).toEqual(
    expect.arrayContaining(
      h
        .ofType(HOST_FILE)
        .filter((r) => r.name.startsWith("edge-fail2ban-"))
        .map((r) => r.urn),
    ),
  );
  h.reset();
  new EdgeHardening("edge", args());
  await h.settle();
  expect(h.get(JAILS, "edge-fail2ban-jails").inputs.logs).toEqual([]);
});

test("fail2ban: validated on a config copy, restarted on change; jails after their filter and placeholder", async () => {
  new EdgeHardening("edge", args());
  await h.settle();
  const jail = h.get(HOST_FILE, "edge-fail2ban-nginx-proxy-probe-local");
  expect(jail.inputs.validate).toContain('fail2ban-client -c "$w" --test');
  expect(jail.inputs.onChange).toBe("systemctl restart fail2ban");
  expect(jail.options.dependencies).toEqual(
    expect.arrayContaining([
      h.get(HOST_FILE, "edge-fail2ban-nginx-proxy-probe-conf").urn,
      h.get(HOST_FILE, "edge-fail2ban-nginx-proxy-probe-placeholder-log").urn,
    ]),
  );
  expect(h.get(HOST_FILE, "edge-fail2ban-nginx-proxy-probe-placeholder-log").inputs).toMatchObject({
    content: "",
    createDirectories: true,
  });
});

test("an AllowUsers without the program's login user is refused before anything is declared", () => {
  expect(
    () => new EdgeHardening("edge", args({ edge: edgeSchema.parse({ ssh: { allowUsers: ["root"] } }) })),
  ).toThrow(
    "hemma:edge.ssh.allowUsers is [root] but the program logs in as hemma:ssh.user 'paunchygent': add it, or the sshd hardening would lock the program out",
  );
});

test("an AllowUsers entry name@host counts for its name: the guard, not this check, judges the host part", async () => {
  new EdgeHardening(
    "edge",
    args({ edge: edgeSchema.parse({ ssh: { allowUsers: ["root", "paunchygent@192.168.0.0/24"] } }) }),
  );
  await h.settle();
  expect(h.get(HOST_FILE, "edge-sshd-drop-in").inputs.content).toContain(
    "AllowUsers root paunchygent@192.168.0.0/24\n",
  );
});

test("manage flags decide which parts exist", async () => {
  new EdgeHardening(
    "edge",
    args({ edge: edgeSchema.parse({ manage: { firewall: false, fail2ban: false, nginx: false } }) }),
  );
  await h.settle();
  expect(h.ofType(UFW)).toEqual([]);
  expect(h.ofType(JAILS)).toEqual([]);
  expect(h.ofType(HOST_FILE).map((r) => r.name)).toEqual(["edge-sshd-drop-in"]);
});
