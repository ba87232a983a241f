import { installMocks, T } from "../../../scripts/mock-engine";
import { HuleNetwork } from "../../../components/docker/hule-network";

const h = installMocks();
beforeEach(() => h.reset());

test("declares the shared bridge network, protected and retained", async () => {
  new HuleNetwork("hule-network", { name: "hule-network" });
  await h.settle();
  const n = h.get(T.network, "hule-network");
  expect(n.inputs).toEqual({ name: "hule-network", driver: "bridge" });
  expect(n.options.protect).toBe(true);
  expect(n.options.retainOnDelete).toBe(true);
  expect(n.options.parent).toBe(h.get("hemma:docker:HuleNetwork", "hule-network").urn);
});

test("defaults the name to hule-network", async () => {
  new HuleNetwork("net", {});
  await h.settle();
  expect(h.get(T.network, "net").inputs.name).toBe("hule-network");
});
