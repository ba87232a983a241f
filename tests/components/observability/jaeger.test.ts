import { installMocks, T } from "../../../scripts/mock-engine";
import { Jaeger } from "../../../components/observability/jaeger";
import { COMMON_INPUTS, HOST_FILE, PROBE, common, guard } from "./fixtures";

const h = installMocks();
beforeEach(() => h.reset());

test("Jaeger: image default command, listens on all interfaces of the network, routed UI, no port, no volume", async () => {
  new Jaeger("jaeger", {
    ...common(guard()),
    image: "jaegertracing/jaeger:2.1.0",
    containerName: "jaeger",
    domain: "jaeger.hemma.hule.education",
  });
  await h.settle();
  const c = h.get(T.container, "jaeger");
  expect(c.inputs).toEqual({
    ...COMMON_INPUTS,
    name: "jaeger",
    image: "jaegertracing/jaeger:2.1.0",
    envs: [
      "JAEGER_LISTEN_HOST=0.0.0.0",
      "VIRTUAL_HOST=jaeger.hemma.hule.education",
      "VIRTUAL_PORT=16686",
      "LETSENCRYPT_HOST=jaeger.hemma.hule.education",
    ],
    healthcheck: { tests: ["CMD", "wget", "-q", "--spider", "http://localhost:16686/"], ...PROBE },
  });
  expect(c.options.deleteBeforeReplace).toBe(true);
  expect(c.options.dependencies).toContain(h.get(T.network, "guard").urn);
  expect(h.ofType(T.volume)).toEqual([]);
  expect(h.ofType(HOST_FILE)).toEqual([]);
});
