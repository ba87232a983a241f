import { HOST_FILE_TYPE, secretPlaceholder } from "../../scripts/plan";
import { type BuiltStack, buildStack } from "./stack-fixture";

let prod: BuiltStack;
beforeAll(async () => {
  prod = await buildStack("prod");
});

test("prod writes the default Jaeger and Prometheus htpasswd files from their hash secrets: content secret, root:101 0640", () => {
  const files = prod.harness
    .ofType(HOST_FILE_TYPE)
    .filter((r) => r.name.startsWith("edge-nginx-htpasswd-"))
    .map((r) => ({ name: r.name, ...r.inputs, secret: r.secretPaths.includes("content") }));
  const dir = prod.config.proxy.htpasswdDir;
  expect(files).toEqual([
    expect.objectContaining({
      name: "edge-nginx-htpasswd-jaeger-hemma-hule-education",
      path: `${dir}/jaeger.hemma.hule.education`,
      content: `admin:${secretPlaceholder("jaegerBasicAuthHash")}\n`,
      mode: "0640",
      owner: "root",
      group: "101",
      secret: true,
    }),
    expect.objectContaining({
      name: "edge-nginx-htpasswd-prometheus-hemma-hule-education",
      path: `${dir}/prometheus.hemma.hule.education`,
      content: `admin:${secretPlaceholder("prometheusBasicAuthHash")}\n`,
      mode: "0640",
      owner: "root",
      group: "101",
      secret: true,
    }),
  ]);
});

test("prod's vhost.d/default watches for a per-host file of every public name but the host's own", () => {
  const def = prod.harness.get(HOST_FILE_TYPE, "edge-nginx-vhost-default");
  expect(def.inputs.shadows).toEqual({
    kind: "nginx-vhost",
    hosts: [
      "grafana.hemma.hule.education",
      "jaeger.hemma.hule.education",
      "prometheus.hemma.hule.education",
      "skriptoteket.hule.education",
    ],
  });
});
