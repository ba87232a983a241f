import { installMocks } from "../../../scripts/mock-engine";
import { AppImage } from "../../../components/docker/app-image";
import { renderImageBuildScript } from "../../../components/docker/image-build-script";
import { ACCESS, COMMIT } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());

const HOST_IMAGE = "pulumi-nodejs:dynamic/host:HostImage";

const ARGS = {
  access: ACCESS,
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

test("the image is a host resource: the rendered build script for exactly that tag, with the build's own timeout", async () => {
  new AppImage("web-image", ARGS);
  await h.settle();
  const b = h.get(HOST_IMAGE, "web-image-build");
  expect(b.inputs.ref).toBe(`skriptoteket-web:${COMMIT}`);
  expect(b.inputs.dockerBinary).toBe("/snap/bin/docker");
  expect(b.inputs.buildScript).toBe(renderImageBuildScript({ ...ARGS, dockerBinary: "/snap/bin/docker" }));
  expect(b.inputs.timeoutSeconds).toBe(3600);
  expect(b.options.customTimeouts.create).toBe("3660s");
  expect(b.options.parent).toBe(h.get("hemma:docker:AppImage", "web-image").urn);
});

test("the connection is pinned and its key secret", async () => {
  new AppImage("web-image", ARGS);
  await h.settle();
  const b = h.get(HOST_IMAGE, "web-image-build");
  expect(b.secretPaths).toContain("connection");
  expect(b.inputs.connection).toMatchObject({
    host: "hemma.example",
    port: 22,
    user: "deploy",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  });
});

test("a short commit is refused before any resource exists", () => {
  expect(() => new AppImage("bad", { ...ARGS, commit: "0123456" })).toThrow("not a full 40-character");
});
