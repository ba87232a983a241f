import { partialCreateError } from "../../providers/partial-create";

test("a partial create carries id, outputs with the serialized provider, and the reason", () => {
  const e = partialCreateError(
    new Error("unit would not start"),
    "h:22:/etc/x",
    { digest: "d" },
    { __provider: "exports.handler = ...", content: "c" },
  ) as Error & {
    id: string;
    properties: Record<string, unknown>;
    reasons: string[];
  };
  expect(e.message).toBe("unit would not start");
  expect(e.id).toBe("h:22:/etc/x");
  expect(e.properties).toEqual({ digest: "d", __provider: "exports.handler = ..." });
  expect(e.reasons).toEqual(["unit would not start"]);
});
