import { installMocks, T } from "../../../scripts/mock-engine";
import { AppImage } from "../../../components/docker/app-image";
import { renderImageBuildScript } from "../../../components/docker/image-build-script";
import { withTimeout } from "../../../components/actions/shell";
import { COMMIT, CONNECTION } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());

const ARGS = {
  connection: CONNECTION,
  dockerBinary: "/snap/bin/docker",
  repoUrl: "https://github.com/paunchygent/skriptoteket.git",
  commit: COMMIT,
  buildDir: "/home/paunchygent/.cache/hemma-infra/build",
  dockerfile: "Dockerfile",
  target: "production",
  repository: "skriptoteket-web",
};

test("ref is the commit tag, known without running anything", async () => {
  const img = new AppImage("web-image", ARGS);
  expect(img.ref).toBe(`skriptoteket-web:${COMMIT}`);
  expect(img.ref).not.toMatch(/latest/);
  await h.settle();
});

test("build command: the rendered script under timeout, triggered by commit/dockerfile/target", async () => {
  new AppImage("web-image", ARGS);
  await h.settle();
  const c = h.get(T.command, "web-image-build");
  expect(c.inputs.create).toBe(withTimeout(3600, renderImageBuildScript(ARGS)));
  expect(c.inputs.triggers).toEqual([COMMIT, "Dockerfile", "production"]);
  expect(c.inputs.delete).toBeUndefined();
  expect(c.inputs.stdin).toBeUndefined();
  expect(c.inputs.addPreviousOutputInEnv).toBe(false);
  expect(c.inputs.logging).toBe("stdoutAndStderr");
  expect(c.options.customTimeouts.create).toBe("3660s");
  expect(c.options.parent).toBe(h.get("hemma:docker:AppImage", "web-image").urn);
});

test("connection is pinned, secret, and fails fast", async () => {
  new AppImage("web-image", ARGS);
  await h.settle();
  const c = h.get(T.command, "web-image-build");
  expect(c.secretPaths).toContain("connection");
  expect(c.inputs.connection).toEqual({
    host: "hemma.example",
    port: 22,
    user: "deploy",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n",
    dialErrorLimit: 3,
    perDialTimeout: 10,
  });
});

test("a short commit is refused before any resource exists", () => {
  expect(() => new AppImage("bad", { ...ARGS, commit: "0123456" })).toThrow("not a full 40-character");
});
