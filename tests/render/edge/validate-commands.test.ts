/** The pre-swap validators and the reload command, run locally against real nginx and fail2ban. */
import { spawnSync } from "child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { edgeSchema } from "../../../config/schema/edge";
import { renderFail2banFiles } from "../../../render/edge/fail2ban";
import { renderGlobalHardening, renderVhostDefault } from "../../../render/edge/nginx-hardening";
import {
  fail2banValidateCommand,
  nginxCandidateTestScript,
  nginxReloadCommand,
  nginxSnippetValidateCommand,
} from "../../../render/edge/validate-commands";
import { nginxProxyShapedConfig } from "./nginx-proxy-shape";
import { writeSelfSignedCert } from "../../support/tls";

const edge = edgeSchema.parse({});
let dir: string;
let src: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hemma-edge-validate-"));
  // A stand-in for the proxy container's /etc/nginx: generated config plus live vhost.d files.
  src = join(dir, "etc/nginx");
  mkdirSync(join(src, "vhost.d"), { recursive: true });
  mkdirSync(join(src, "tmp"), { recursive: true });
  mkdirSync(join(src, "html"), { recursive: true });
  writeSelfSignedCert(src);
  const vhostDir = join(src, "vhost.d");
  writeFileSync(join(vhostDir, "global-hardening.conf"), renderGlobalHardening(edge.nginx));
  writeFileSync(
    join(vhostDir, "default"),
    renderVhostDefault({ ...edge.nginx, containerVhostDir: vhostDir }),
  );
  writeFileSync(
    join(src, "nginx.conf"),
    nginxProxyShapedConfig({
      dir: src,
      vhostDir,
      vhostFiles: ["default", "global-hardening.conf"],
      httpPort: 18080,
      httpsPort: 18443,
      cert: join(src, "cert.pem"),
      key: join(src, "key.pem"),
      defaultHost: "app.test",
      vhosts: [{ host: "app.test", upstreamPort: 18000, tls: true }],
    }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function testCandidate(name: string, content: string): { status: number | null; stderr: string } {
  const r = spawnSync("sh", ["-c", nginxCandidateTestScript(src), "hemma-nginx-validate", name], {
    input: content,
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr };
}

describe("nginx -t on the live config with the candidate in place", () => {
  test("the rendered snippets pass", () => {
    expect(
      testCandidate("default", renderVhostDefault({ ...edge.nginx, containerVhostDir: `${src}/vhost.d` })),
    ).toEqual({ status: 0, stderr: "" });
    expect(testCandidate("global-hardening.conf", renderGlobalHardening(edge.nginx)).status).toBe(0);
  });

  test("a broken global-hardening.conf is rejected with nginx's reason, and the live copy is untouched", () => {
    const live = readFileSync(join(src, "vhost.d/global-hardening.conf"), "utf8");
    const r = testCandidate("global-hardening.conf", 'if ($uri ~* "(unclosed") {\n    return 444;\n}\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/pcre2?_compile\(\) failed: missing (closing parenthesis|\))/);
    expect(readFileSync(join(src, "vhost.d/global-hardening.conf"), "utf8")).toBe(live);
  });

  test("a default that includes a file that does not exist is rejected", () => {
    const r = testCandidate("default", `include ${src}/vhost.d/missing.conf;\n`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("missing.conf");
  });
});

describe("the HostFile commands around docker", () => {
  let bin: string;
  beforeEach(() => {
    bin = join(dir, "bin");
    mkdirSync(bin);
    // A docker stand-in: `inspect` answers from $RUNNING, `exec` runs the command here, with the
    // container's /etc/nginx mapped to the test tree, and logs what it was asked.
    writeFileSync(
      join(bin, "docker"),
      [
        "#!/bin/bash",
        `echo "docker $1 \${@: -1}" >> ${dir}/docker.log`,
        'if [ "$1" = inspect ]; then echo "$RUNNING"; exit 0; fi',
        'if [ "$1" = exec ]; then shift; [ "$1" = -i ] && shift; shift',
        '  if [ "$1" = sh ]; then script=${3//\\/etc\\/nginx/' +
          src.replace(/\//g, "\\/") +
          '}; exec sh -c "$script" "${@:4}"; fi',
        '  exec "$@"; fi',
      ].join("\n"),
    );
    chmodSync(join(bin, "docker"), 0o755);
  });
  const run = (cmd: string, running: string) =>
    spawnSync("bash", ["-c", cmd], { encoding: "utf8", env: { ...process.env, RUNNING: running } });

  test("validate runs nginx -t in the running proxy with the staged file, and fails on a bad one", () => {
    const staged = join(dir, ".hemma-staged-default");
    const cmd = nginxSnippetValidateCommand(
      { dockerBin: join(bin, "docker"), container: "nginx-proxy" },
      "default",
    ).replace("{}", staged);
    // In this stand-in the "container" sees its config under the test tree.
    writeFileSync(staged, renderVhostDefault({ ...edge.nginx, containerVhostDir: `${src}/vhost.d` }));
    expect(run(cmd, "true")).toMatchObject({ status: 0, stderr: "" });
    writeFileSync(staged, "add_header X-Broken;\n");
    const bad = run(cmd, "true");
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('invalid number of arguments in "add_header" directive');
  });

  test("validate accepts when the proxy is not running (nothing reads the file yet)", () => {
    const staged = join(dir, "staged");
    writeFileSync(staged, "garbage\n");
    const cmd = nginxSnippetValidateCommand(
      { dockerBin: join(bin, "docker"), container: "nginx-proxy" },
      "default",
    ).replace("{}", staged);
    expect(run(cmd, "false").status).toBe(0);
    expect(readFileSync(join(dir, "docker.log"), "utf8")).toBe("docker inspect nginx-proxy\n");
  });

  test("the change command reloads nginx in the proxy, and does nothing when it is not running", () => {
    const cmd = nginxReloadCommand({ dockerBin: join(bin, "docker"), container: "nginx-proxy" });
    expect(cmd).not.toMatch(/restart/);
    writeFileSync(join(bin, "nginx"), `#!/bin/sh\necho "nginx $*" >> ${dir}/docker.log\n`);
    chmodSync(join(bin, "nginx"), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    expect(spawnSync("bash", ["-c", cmd], { env: { ...env, RUNNING: "true" } }).status).toBe(0);
    expect(spawnSync("bash", ["-c", cmd], { env: { ...env, RUNNING: "false" } }).status).toBe(0);
    expect(readFileSync(join(dir, "docker.log"), "utf8")).toBe(
      "docker inspect nginx-proxy\ndocker exec reload\nnginx -s reload\ndocker inspect nginx-proxy\n",
    );
  });

  test.each([
    ["a valid jail", "/etc/fail2ban/jail.d/nginx-proxy-probe.local", null],
    [
      "a jail with a bad maxretry",
      "/etc/fail2ban/jail.d/sshd.local",
      "[sshd]\nenabled = true\nmaxretry = lots\n",
    ],
    [
      "a filter with a broken regex",
      "/etc/fail2ban/filter.d/nginx-proxy-probe.conf",
      "[Definition]\nfailregex = ^(<HOST>\n",
    ],
  ])("fail2ban validate: %s", (_label, path, override) => {
    const etc = join(dir, "fail2ban");
    cpSync("/etc/fail2ban", etc, { recursive: true });
    mkdirSync(join(dir, "containers"));
    const files = renderFail2banFiles({
      ...edge.fail2ban,
      dockerContainersDir: join(dir, "containers"),
      placeholderLog: join(dir, "placeholder.log"),
    });
    for (const f of files)
      writeFileSync(f.path.startsWith("/etc/fail2ban/") ? join(etc, f.path.slice(14)) : f.path, f.content);
    const staged = join(dir, "staged");
    writeFileSync(staged, override ?? files.find((f) => f.path === path)!.content);
    const r = spawnSync("bash", ["-c", fail2banValidateCommand(path, etc).replace("{}", staged)], {
      encoding: "utf8",
    });
    expect(r.status === 0).toBe(override === null);
  });
});
