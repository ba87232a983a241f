/** Under Jest the SDK's per-resource stack trace skips source maps; every other trace keeps them. */
import * as pulumi from "@pulumi/pulumi";
import { fakeCallSite } from "../support/call-site";
import { installPlainResourceCallsites, isResourceCallsitesTrace } from "./plain-resource-callsites";

/** The SDK's `Resource.callsites` (private in its typings). */
const resourceCallsites = (): { file?: string; line?: number }[] =>
  (pulumi.Resource as unknown as { callsites(): { file?: string; line?: number }[] }).callsites();

const RESOURCE_JS = "/repo/node_modules/@pulumi/pulumi/resource.js";
const site = fakeCallSite;

describe("isResourceCallsitesTrace", () => {
  test.each<[string, NodeJS.CallSite[], boolean]>([
    ["Resource.callsites' own trace", [site("callsites", RESOURCE_JS), site("x", "/a.js")], true],
    ["another function of resource.js", [site("stackTrace", RESOURCE_JS)], false],
    ["a function of that name elsewhere", [site("callsites", "/repo/mine.js")], false],
    ["an empty trace", [], false],
  ])("%s", (_name, frames, expected) => {
    expect(isResourceCallsitesTrace(frames)).toBe(expected);
  });
});

describe("installPlainResourceCallsites", () => {
  test("formats only those traces plainly, once, and nothing without a prepareStackTrace", () => {
    const mapped = jest.fn(() => "mapped");
    const E: { prepareStackTrace?: (e: Error, f: NodeJS.CallSite[]) => unknown } = {
      prepareStackTrace: mapped,
    };
    installPlainResourceCallsites(E);
    const once = E.prepareStackTrace;
    installPlainResourceCallsites(E);
    expect(E.prepareStackTrace).toBe(once);
    const frames = [site("callsites", RESOURCE_JS), site("f", "/a.js")];
    expect(E.prepareStackTrace!(new Error("x"), frames)).toBe(
      `Error: x\n    at callsites (${RESOURCE_JS}:1:1)\n    at f (/a.js:1:1)`,
    );
    expect(mapped).not.toHaveBeenCalled();
    expect(E.prepareStackTrace!(new Error("y"), [site("f", "/a.js")])).toBe("mapped");
    const bare: { prepareStackTrace?: (e: Error, f: NodeJS.CallSite[]) => unknown } = {};
    installPlainResourceCallsites(bare);
    expect(bare.prepareStackTrace).toBeUndefined();
  });

  test("keeps every frame of those traces: the SDK takes the position from below its own frames", () => {
    const E: { prepareStackTrace?: (e: Error, f: NodeJS.CallSite[]) => unknown } = {
      prepareStackTrace: () => "mapped",
    };
    installPlainResourceCallsites(E);
    const frames = [
      site("callsites", RESOURCE_JS),
      ...Array.from({ length: 19 }, (_, i) => site(`f${i}`, "/a.js")),
    ];
    expect((E.prepareStackTrace!(new Error("x"), frames) as string).split("\n")).toHaveLength(21);
  });

  test("in this realm (the setup file), a resource's callsites are this file's JavaScript, other traces its TypeScript", () => {
    // Both taken on one line: the mapped trace names its TypeScript line, the plain one does not.
    const [frames, mappedStack] = [resourceCallsites(), new Error().stack!];
    const tsLine = Number(/plain-resource-callsites\.test\.ts:(\d+):\d+/.exec(mappedStack)![1]);
    const here = frames.find((f) => f.file === __filename);
    expect(here).toBeDefined();
    expect(here!.line).not.toBe(tsLine);
  });
});
