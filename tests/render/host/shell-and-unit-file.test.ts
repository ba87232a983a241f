import { envDefault, execLine, shellQuote } from "../../../render/host/shell";
import { deviceUnitName, renderUnitFile } from "../../../render/host/unit-file";
import { run } from "./tools";

describe("shell quoting", () => {
  it.each(["plain", "a b", "it's", "$HOME `x` \\n", "", "tab\there"])(
    "round-trips %j through bash",
    (value) => {
      const r = run("bash", ["-c", `${envDefault("V", value)}; printf '%s' "$V"`], {
        env: { PATH: process.env.PATH },
      });
      expect(r.stdout).toBe(value);
      expect(run("bash", ["-c", `printf '%s' ${shellQuote(value)}`]).stdout).toBe(value);
    },
  );

  it("lets the environment override a default", () => {
    const r = run("bash", ["-c", `${envDefault("V", "default")}; printf '%s' "$V"`], {
      env: { PATH: process.env.PATH, V: "from-env" },
    });
    expect(r.stdout).toBe("from-env");
  });

  it("escapes $ and % for systemd and quotes words with spaces", () => {
    expect(execLine(["/bin/echo", "a b", "$HOME", "50%"])).toBe('/bin/echo "a b" "$$HOME" "50%%"');
  });
});

describe("unit files", () => {
  it("drops empty sections and keeps directive order", () => {
    expect(
      renderUnitFile(
        [
          { name: "Unit", directives: [] },
          {
            name: "Service",
            directives: [
              ["ExecStart", ""],
              ["ExecStart", "/x"],
            ],
          },
        ],
        "why",
      ),
    ).toBe("# why\n\n[Service]\nExecStart=\nExecStart=/x\n");
  });

  it.each([
    ["/dev/watchdog0", "dev-watchdog0.device"],
    ["/dev/watchdog", "dev-watchdog.device"],
    ["/dev/my-wdt", "dev-my\\x2dwdt.device"],
  ])("names the device unit of %s like systemd-escape --path", (p, expected) => {
    expect(deviceUnitName(p)).toBe(expected);
    const r = run("systemd-escape", ["--path", "--suffix=device", p]);
    expect(r.stdout.trim()).toBe(expected);
  });
});
