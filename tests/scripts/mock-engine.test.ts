import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, T, envMap, unwrapSecrets } from "../../scripts/mock-engine";

const h = installMocks();
beforeEach(() => h.reset());

test("records inputs, secret paths and resource options", async () => {
  const parent = new pulumi.ComponentResource("hemma:test:Parent", "p");
  const v = new docker.Volume("v", { name: "data" }, { parent, protect: true, retainOnDelete: true });
  new docker.Container(
    "c",
    { image: "x:1", envs: [pulumi.secret("A=1")] },
    { parent, dependsOn: [v], deleteBeforeReplace: true, ignoreChanges: ["labels"] },
  );
  await h.settle();
  const c = h.get(T.container, "c");
  expect(c.inputs).toEqual({ image: "x:1", envs: ["A=1"] });
  expect(c.secretPaths).toEqual(["envs"]);
  expect(c.options).toMatchObject({
    protect: false,
    deleteBeforeReplace: true,
    ignoreChanges: ["labels"],
    parent: h.get("hemma:test:Parent", "p").urn,
  });
  expect(c.options.dependencies).toEqual([h.get(T.volume, "v").urn]);
  expect(h.get(T.volume, "v").options).toMatchObject({ protect: true, retainOnDelete: true });
});

test("a provider function call throws", async () => {
  // The engine's invoke path drops the message, so the harness also records the token.
  await expect(docker.getNetwork({ name: "hule-network" })).rejects.toBeDefined();
  expect(h.calls).toEqual(["docker:index/getNetwork:getNetwork"]);
});

test("get names the candidates when the resource is missing", () => {
  expect(() => h.get(T.container, "nope")).toThrow(`expected one ${T.container} named nope, found 0`);
});

test("unwrapSecrets reports nested secret paths", () => {
  const sig = "4dabf18193072939515e22adb298388d";
  const secret = (value: unknown) => ({ [sig]: "1b47061264138c4ac30d75fd1eb44270", value });
  const paths: string[] = [];
  expect(unwrapSecrets({ a: { b: secret("x") }, l: [1, secret(2)] }, "", paths)).toEqual({
    a: { b: "x" },
    l: [1, 2],
  });
  expect(paths).toEqual(["a.b", "l[1]"]);
});

test("envMap refuses duplicates and malformed entries", () => {
  expect(envMap(["A=1", "B=x=y"])).toEqual({ A: "1", B: "x=y" });
  expect(() => envMap(["A=1", "A=2"])).toThrow("duplicate env key A");
  expect(() => envMap(["=1"])).toThrow("malformed env entry =1");
});
