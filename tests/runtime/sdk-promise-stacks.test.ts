import { execFileSync } from "node:child_process";
import * as path from "node:path";
// Loading the SDK makes its modules require "./debuggable", which Jest maps to the stand-in.
import "@pulumi/pulumi";
import * as debuggable from "@pulumi/pulumi/runtime/debuggable";
import {
  installCheapSdkPromiseStacks,
  isSdkPromiseTrace,
  PLAIN_FRAMES,
  plainStackTrace,
  skipSdkPromiseTraces,
} from "../../runtime/sdk-promise-stacks";
import { fakeCallSite } from "../support/call-site";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

const site = fakeCallSite;

const SDK = "/repo/node_modules/@pulumi/pulumi/runtime/debuggable.js";

describe("isSdkPromiseTrace", () => {
  test.each<[string, NodeJS.CallSite[], boolean]>([
    ["debuggablePromise's own trace", [site("debuggablePromise", SDK), site("x", "/a.js")], true],
    ["another function of the SDK", [site("leakedPromises", SDK)], false],
    ["a function of that name elsewhere", [site("debuggablePromise", "/repo/mine.js")], false],
    ["no frames", [], false],
  ])("%s", (_case, frames, expected) => {
    expect(isSdkPromiseTrace(frames)).toBe(expected);
  });
});

test("plainStackTrace formats as V8 does, cut to the first frames", () => {
  const frames = Array.from({ length: 20 }, (_, i) => site(`f${i}`, "/a.js", i));
  const text = plainStackTrace(new Error("boom"), frames);
  expect(text.split("\n")).toEqual([
    "Error: boom",
    ...frames.slice(0, PLAIN_FRAMES).map((f) => `    at ${f.toString()}`),
  ]);
});

describe("installCheapSdkPromiseStacks", () => {
  const fakeError = (prepare?: (e: Error, f: NodeJS.CallSite[]) => unknown) =>
    ({ prepareStackTrace: prepare }) as unknown as ErrorConstructor;

  test("SDK promise traces skip the installed formatter; every other trace still goes through it", () => {
    const mapped = jest.fn((_e: Error, _f: NodeJS.CallSite[]) => "mapped");
    const E = fakeError(mapped);
    installCheapSdkPromiseStacks(E);
    const prepare = E.prepareStackTrace!;
    expect(prepare(new Error("x"), [site("debuggablePromise", SDK)])).toBe(
      `Error: x\n    at debuggablePromise (${SDK}:1:1)`,
    );
    expect(mapped).not.toHaveBeenCalled();
    expect(prepare(new Error("y"), [site("mine", "/a.ts")])).toBe("mapped");
    expect(mapped).toHaveBeenCalledTimes(1);
  });

  test("installing twice wraps once; with no formatter installed nothing changes", () => {
    const E = fakeError(() => "mapped");
    installCheapSdkPromiseStacks(E);
    const once = E.prepareStackTrace;
    installCheapSdkPromiseStacks(E);
    expect(E.prepareStackTrace).toBe(once);
    const bare = fakeError(undefined);
    installCheapSdkPromiseStacks(bare);
    expect(bare.prepareStackTrace).toBeUndefined();
  });

  test("in this Jest realm (setupFilesAfterEnv), a real SDK promise trace is plain and short, any other still mapped", async () => {
    // Internal to the SDK (no typings): the function whose traces this is about.
    type Debuggable = (p: Promise<unknown>, ctx: string) => Promise<unknown>;
    // Untraced here (skipSdkPromiseTraces); its original, as PULUMI_DEBUG_PROMISE_LEAKS keeps it.
    const { debuggablePromise: untraced } =
      (await import("@pulumi/pulumi/runtime/debuggable")) as unknown as {
        debuggablePromise: Debuggable & { traced: Debuggable };
      };
    const debuggablePromise = untraced.traced;
    const given = Promise.resolve(1) as Promise<number> & { _debugStackTrace?: string };
    await debuggablePromise(given, "test");
    const trace = given._debugStackTrace!.split("\n");
    expect(trace[0]).toBe("Error");
    // The SDK's own JavaScript, not the TypeScript its source maps point to.
    expect(trace[1]).toMatch(/^ {4}at debuggablePromise \(.*[\\/]runtime[\\/]debuggable\.js:\d+:\d+\)$/);
    expect(trace.length).toBeLessThanOrEqual(1 + PLAIN_FRAMES);
    expect(new Error("here").stack!).toMatch(/sdk-promise-stacks\.test\.ts:\d+:\d+/);
  });
});

describe("skipSdkPromiseTraces", () => {
  /** A stand-in of the SDK's module: `debuggablePromise` records the trace it takes. */
  const fakeDebuggable = () => {
    const traces: string[] = [];
    const mod = {
      debuggablePromise: <T>(p: Promise<T>): Promise<T> => {
        traces.push(new Error().stack ?? "");
        return p;
      },
    };
    return { mod, traces };
  };

  test("no trace is taken, the promise passes through, and the frame limit is restored", async () => {
    const { mod, traces } = fakeDebuggable();
    const limit = Error.stackTraceLimit;
    expect(skipSdkPromiseTraces(mod, {})).toBe(true);
    await expect(mod.debuggablePromise(Promise.resolve(7))).resolves.toBe(7);
    // Only the first line (Jest's source-map support prints `Error: `): no frame.
    expect(traces.map((t) => t.split("\n").length)).toEqual([1]);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(skipSdkPromiseTraces(mod, {})).toBe(false);
  });

  test("PULUMI_DEBUG_PROMISE_LEAKS keeps the traces", () => {
    const { mod, traces } = fakeDebuggable();
    expect(skipSdkPromiseTraces(mod, { PULUMI_DEBUG_PROMISE_LEAKS: "1" })).toBe(false);
    void mod.debuggablePromise(Promise.resolve());
    expect(traces[0]!.split("\n").length).toBeGreaterThan(1);
  });

  test("this suite's SDK is patched (tests/jest/untraced-debuggable.ts), and so is a loader process's", () => {
    expect((debuggable as unknown as Record<string, { name: string }>).debuggablePromise.name).toBe(
      "untracedDebuggablePromise",
    );
    const out = execFileSync(
      process.execPath,
      [
        "-r",
        path.join(REPO_ROOT, "runtime", "ts-loader.js"),
        "-e",
        'require("@pulumi/pulumi"); process.stdout.write(require("@pulumi/pulumi/runtime/debuggable").debuggablePromise.name)',
      ],
      { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "" } },
    );
    expect(out).toBe("untracedDebuggablePromise");
  });
});
