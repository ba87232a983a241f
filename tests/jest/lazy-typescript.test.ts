/** The lazy `typescript` stand-in must be the real module to anyone who uses it. */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const REAL_TYPESCRIPT = path.join(ROOT, "node_modules", "typescript", "lib", "typescript.js");

describe("lazy typescript (jest moduleNameMapper)", () => {
  it("stands in for the file @pulumi/pulumi's require resolves to under plain Node", () => {
    // Jest's own require.resolve applies the mapper, so ask a plain node process.
    const r = spawnSync(
      process.execPath,
      [
        "-p",
        `require.resolve("typescript", { paths: [require.resolve("@pulumi/pulumi/typescript-shim.js")] })`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: REAL_TYPESCRIPT });
  });

  it("is mapped, is not loaded with the SDK, and then shows exactly the real module", () => {
    const loaded = () => Object.keys(require.cache).some((k) => k === REAL_TYPESCRIPT);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("@pulumi/pulumi");
    expect(loaded()).toBe(false);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mapped = require("typescript") as Record<string, unknown>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const real = require(REAL_TYPESCRIPT) as Record<string, unknown>;
    expect(mapped).not.toBe(real);
    expect(Object.keys(mapped).sort()).toEqual(Object.keys(real).sort());
    for (const name of ["createSourceFile", "SyntaxKind", "version", "forEachChild"]) {
      expect(mapped[name]).toBe(real[name]);
    }
    expect("createSourceFile" in mapped).toBe(true);
  });

  it("serializes a closure through the SDK, which then uses the real compiler", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const x = 42;
    const sf = await pulumi.runtime.serializeFunction(() => x);
    expect(sf.text).toContain("42");
  });
});
