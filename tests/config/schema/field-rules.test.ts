/** The pure field rules behind the schema, table-tested at their edges. */
import { isDockerHostUrl } from "../../../config/schema/docker";
import { isGitUrl } from "../../../config/schema/git-url";
import { isHostKeyLine } from "../../../config/schema/host-key";
import { isHostname, isIpv4, isIpv6 } from "../../../config/schema/hostname";
import {
  isImageRepository,
  parseImageReference,
  pinnedImageProblem,
} from "../../../config/schema/image-reference";
import { envVarName } from "../../../config/schema/app-env";
import { hostKeyLine } from "../fixtures";

describe("isHostname", () => {
  it.each([
    ["hemma.hule.education", true],
    ["localhost", true],
    ["a-b.c0", true],
    [`${"a".repeat(63)}.org`, true],
    [`${"a".repeat(64)}.org`, false],
    [`${"a.".repeat(127)}ab`, false], // 255 characters
    ["Hemma.hule.education", false],
    ["-a.org", false],
    ["a-.org", false],
    ["a..org", false],
    ["a.org.", false],
    ["a b.org", false],
    ["a_b.org", false],
    ["", false],
  ])("%s → %s", (value, ok) => expect(isHostname(value)).toBe(ok));
});

describe("isIpv4 / isIpv6", () => {
  it.each([
    ["127.0.0.1", true],
    ["255.255.255.255", true],
    ["256.1.1.1", false],
    ["01.1.1.1", false],
    ["1.1.1", false],
  ])("ipv4 %s → %s", (value, ok) => expect(isIpv4(value)).toBe(ok));
  it.each([
    ["::1", true],
    ["fe80::1:2", true],
    ["2001:db8:0:0:0:0:0:1", true],
    ["2001:db8::1::2", false],
    ["2001:db8:0:0:0:0:0:0:1", false],
    ["12345::", false],
    [":", false],
  ])("ipv6 %s → %s", (value, ok) => expect(isIpv6(value)).toBe(ok));
});

describe("image references", () => {
  it.each([
    ["postgres:16-alpine", { repository: "postgres", tag: "16-alpine" }],
    ["nginxproxy/nginx-proxy:1.6", { repository: "nginxproxy/nginx-proxy", tag: "1.6" }],
    ["registry.example.org:5000/a/b_c:v1", { repository: "registry.example.org:5000/a/b_c", tag: "v1" }],
    [`postgres@sha256:${"a".repeat(64)}`, { repository: "postgres", digest: `sha256:${"a".repeat(64)}` }],
    [
      `postgres:16@sha256:${"b".repeat(64)}`,
      { repository: "postgres", tag: "16", digest: `sha256:${"b".repeat(64)}` },
    ],
    ["Postgres:16", undefined],
    ["postgres:", undefined],
    ["post gres:16", undefined],
    ["postgres:16 ", undefined],
    [`postgres@sha256:${"a".repeat(63)}`, undefined],
    ["a//b:1", undefined],
  ])("parse %s", (value, expected) => expect(parseImageReference(value)).toEqual(expected));

  it.each([
    ["postgres:16-alpine", undefined],
    [`postgres@sha256:${"a".repeat(64)}`, undefined],
    ["postgres:latest", "an explicit tag other than 'latest' (or a sha256 digest)"],
    ["postgres", "an explicit tag (name:tag) or a sha256 digest; an untagged name means 'latest'"],
  ])("pin rule %s", (value, problem) => expect(pinnedImageProblem(value)).toBe(problem));

  it.each([
    ["skriptoteket-web", true],
    ["hemma-dev/skriptoteket-web", true],
    ["skriptoteket-web:latest", false],
    ["Skriptoteket", false],
  ])("repository %s → %s", (value, ok) => expect(isImageRepository(value)).toBe(ok));
});

describe("isDockerHostUrl", () => {
  it.each([
    ["unix:///var/run/docker.sock", true],
    ["ssh://paunchygent@hemma.tail730aa2.ts.net", true],
    ["ssh://paunchygent@127.0.0.1:2222", true],
    ["tcp://127.0.0.1:2375", true],
    ["tcp://127.0.0.1", false],
    ["ssh://hemma", false],
    ["ssh://u@h:70000", false],
    ["unix://var/run/docker.sock", false],
    ["unix:///var/../docker.sock", false],
    ["/var/run/docker.sock", false],
  ])("%s → %s", (value, ok) => expect(isDockerHostUrl(value)).toBe(ok));
});

describe("isGitUrl", () => {
  it.each([
    ["https://github.com/paunchygent/skriptoteket.git", true],
    ["ssh://git@github.com/paunchygent/skriptoteket.git", true],
    ["git@github.com:paunchygent/skriptoteket.git", true],
    ["file:///srv/git/skriptoteket.git", true],
    ["/srv/git/skriptoteket.git", true],
    ["http://github.com/x.git", false],
    ["https://github.com/x y.git", false],
    ["srv/git/x.git", false],
    ["/srv/../etc", false],
  ])("%s → %s", (value, ok) => expect(isGitUrl(value)).toBe(ok));
});

describe("isHostKeyLine", () => {
  it("accepts a key whose blob encodes its own type", () => expect(isHostKeyLine(hostKeyLine())).toBe(true));
  it.each([
    ["a blob of another type", hostKeyLine().replace("ssh-ed25519", "ssh-rsa")],
    ["a host name in front (raw ssh-keyscan output)", `hemma ${hostKeyLine()}`],
    ["a trailing comment", `${hostKeyLine()} root@hemma`],
    ["an unknown type", "ssh-dss AAAAB3NzaC1kc3M="],
    ["not base64", "ssh-ed25519 !!!"],
    ["a truncated blob", "ssh-ed25519 AAAAC3Nz"],
  ])("rejects %s", (_what, line) => expect(isHostKeyLine(line)).toBe(false));
});

describe("envVarName", () => {
  it.each([
    ["emailSmtpHost", "EMAIL_SMTP_HOST"],
    ["healthzSmtpCheckEnabled", "HEALTHZ_SMTP_CHECK_ENABLED"],
    ["llmChatOpsContextWindowTokens", "LLM_CHAT_OPS_CONTEXT_WINDOW_TOKENS"],
    ["otelExporterOtlpEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT"],
  ])("%s → %s", (key, name) => expect(envVarName(key)).toBe(name));
});
