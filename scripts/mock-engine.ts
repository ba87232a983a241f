/**
 * The Pulumi mock engine: runs the program offline for component and stack tests and for `npm run plan`.
 *
 * It records every registered resource with its inputs (secrets unwrapped, their paths listed)
 * and the resource options the engine would see (protect, retainOnDelete, deleteBeforeReplace,
 * dependsOn, ignoreChanges, parent, ...). `MockResourceArgs` carries no options, so the harness
 * wraps the mock monitor's `registerResource` to read them from the request itself.
 * Any provider function call (invoke) throws: components must not depend on one.
 */
import * as pulumi from "@pulumi/pulumi";

/** Resource options as the engine receives them. */
export interface RecordedOptions {
  /** `protect` resource option. */
  readonly protect: boolean;
  /** `retainOnDelete` resource option. */
  readonly retainOnDelete: boolean;
  /** `deleteBeforeReplace` resource option. */
  readonly deleteBeforeReplace: boolean;
  /** URNs of explicit and implicit dependencies (dependsOn expanded by the SDK). */
  readonly dependencies: readonly string[];
  /** `ignoreChanges` property paths. */
  readonly ignoreChanges: readonly string[];
  /** `additionalSecretOutputs` property names. */
  readonly additionalSecretOutputs: readonly string[];
  /** `replaceOnChanges` property paths. */
  readonly replaceOnChanges: readonly string[];
  /** Parent URN ("" for the stack root). */
  readonly parent: string;
  /** Custom timeouts as strings ("" when unset). */
  readonly customTimeouts: { readonly create: string; readonly update: string; readonly delete: string };
}

/** One registered resource. */
export interface RecordedResource {
  /** Type token, e.g. `docker:index/container:Container`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** URN the mock monitor assigned. */
  readonly urn: string;
  /** Whether this is a custom (provider) resource rather than a component. */
  readonly custom: boolean;
  /** Provider reference (`<provider urn>::<id>`) of a custom resource; "" for the default provider. */
  readonly provider: string;
  /** Inputs with every secret unwrapped to its plain value. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider inputs are untyped data tests index into
  readonly inputs: Record<string, any>;
  /** Dotted paths of inputs that arrived as secrets (`envs`, `connection`, `stdin`, ...). */
  readonly secretPaths: readonly string[];
  /** Resource options. */
  readonly options: RecordedOptions;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isRpcSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** Unwraps RPC secrets recursively, collecting the dotted path of each secret found. */
export function unwrapSecrets(value: unknown, path: string, secretPaths: string[]): unknown {
  if (isRpcSecret(value)) {
    secretPaths.push(path);
    return unwrapSecrets(value.value, path, []);
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = unwrapSecrets(v, path === "" ? k : `${path}.${k}`, secretPaths);
    }
    return out;
  }
  return value;
}

/** What a test gets back from {@link installMocks}. */
export interface MockHarness {
  /** Every resource registered since the last {@link MockHarness.reset}, in registration order. */
  readonly resources: RecordedResource[];
  /** Tokens of provider function calls attempted (each one threw). */
  readonly calls: string[];
  /** Forgets recorded resources and calls (call in `beforeEach`). */
  reset(): void;
  /** Resources of one type token. */
  ofType(type: string): RecordedResource[];
  /** The one resource with this type and name; throws with the list of names if absent. */
  get(type: string, name: string): RecordedResource;
  /** Resolves once every resource registration issued so far has been recorded. */
  settle(): Promise<void>;
}

/** Type tokens used by the docker layer, so tests do not repeat string literals. */
export const T = {
  container: "docker:index/container:Container",
  volume: "docker:index/volume:Volume",
  network: "docker:index/network:Network",
  command: "command:remote:Command",
  dockerProvider: "pulumi:providers:docker",
} as const;

interface RegisterRequestLike {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getReplaceonchangesList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}

/**
 * Installs the mocks and the option recorder. Call once per test file, at module level or in
 * `beforeAll`, before the code under test is imported or run.
 *
 * @param stack stack name reported by `pulumi.getStack()` (default `test`).
 */
export function installMocks(stack = "test"): MockHarness {
  const resources: RecordedResource[] = [];
  const calls: string[] = [];
  const pendingOptions = new Map<string, RecordedOptions>();
  const pendingRecords = new Map<string, RecordedResource>();
  const inFlight = new Set<Promise<unknown>>();

  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const secretPaths: string[] = [];
        const inputs = unwrapSecrets(args.inputs, "", secretPaths) as RecordedResource["inputs"];
        const key = `${args.type}::${args.name}`;
        const options = pendingOptions.get(key);
        if (options === undefined) {
          throw new Error(`mock harness: no recorded options for ${key}`);
        }
        pendingOptions.delete(key);
        // The URN is only known from the monitor's response; the registerResource wrapper fills it in.
        pendingRecords.set(key, {
          provider: args.provider ?? "",
          type: args.type,
          name: args.name,
          urn: "",
          custom: args.custom === true,
          inputs,
          secretPaths,
          options,
        });
        // Echo inputs as state so outputs such as `name` resolve; a command's stdout stays empty.
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        calls.push(args.token);
        throw new Error(`mock harness: unexpected provider function call ${args.token}`);
      },
    },
    "project",
    stack,
    false,
  );

  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequestLike, cb: (err: unknown, res: unknown) => void): Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const timeouts = req.getCustomtimeouts();
    pendingOptions.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      dependencies: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      parent: req.getParent(),
      customTimeouts: {
        create: timeouts?.getCreate() ?? "",
        update: timeouts?.getUpdate() ?? "",
        delete: timeouts?.getDelete() ?? "",
      },
    });
    const key = `${req.getType()}::${req.getName()}`;
    const p = original(req, (err, res) => {
      const record = pendingRecords.get(key);
      pendingRecords.delete(key);
      if (!err && record !== undefined) {
        resources.push({ ...record, urn: (res as { getUrn(): string }).getUrn() });
      }
      cb(err, res);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  const harness: MockHarness = {
    resources,
    calls,
    reset() {
      resources.length = 0;
      calls.length = 0;
    },
    ofType(type) {
      return resources.filter((r) => r.type === type);
    },
    get(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        const names = harness.ofType(type).map((r) => r.name);
        throw new Error(
          `expected one ${type} named ${name}, found ${found.length}; names: ${names.join(", ")}`,
        );
      }
      return found[0]!;
    },
    async settle() {
      // Registrations are issued asynchronously after outputs resolve; loop until quiet.
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setImmediate(r));
        if (inFlight.size > 0) {
          await Promise.allSettled([...inFlight]);
          continue;
        }
        await new Promise((r) => setTimeout(r, 5));
        if (inFlight.size === 0) return;
      }
    },
  };
  return harness;
}

/** Resolves a Pulumi output (or plain value) to its value, for assertions. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Resolves whether a Pulumi output is marked secret. */
export function isSecretOutput(output: pulumi.Input<unknown>): Promise<boolean> {
  return pulumi.isSecret(pulumi.output(output));
}

/** Turns Docker `KEY=value` env entries into a map; throws on a duplicate key. */
export function envMap(envs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of envs) {
    const i = e.indexOf("=");
    if (i <= 0) throw new Error(`malformed env entry ${e}`);
    const k = e.slice(0, i);
    if (k in out) throw new Error(`duplicate env key ${k}`);
    out[k] = e.slice(i + 1);
  }
  return out;
}
