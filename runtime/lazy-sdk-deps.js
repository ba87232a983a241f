/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS hook that node -r loads before anything else */
"use strict";
/**
 * `node -r` hook: `@pulumi/pulumi` loads the TypeScript compiler and `@npmcli/arborist` (about
 * 500 modules together) as it loads, and uses them only to serialize a function's closure. The
 * dynamic-provider process never serializes (it only runs stored provider code) and a program
 * whose provider code is cached (providers/dynamic-resource.ts) does not either. Here both load on
 * first use of any of their properties, so a process that does not use them never pays for them
 * (docs/decisions/0110).
 */
const Module = require("module");

/** `@npmcli/arborist`'s exports (tests/runtime/lazy-sdk-deps.test.ts checks the list against the real module). */
const ARBORIST_EXPORTS = ["Arborist", "Node", "Link", "Edge", "Shrinkwrap"];

/**
 * Stand-ins by request. TypeScript: every property access loads it (the SDK reads it as
 * `ts.createSourceFile`, ...). arborist: the SDK imports it with `__importStar`; its exports are
 * getters that load it on first read.
 */
const STAND_INS = {
  typescript: (load) => {
    let real;
    const target = () => (real ??= load());
    return new Proxy(
      {},
      {
        get: (_, key) => target()[key],
        has: (_, key) => key in target(),
        ownKeys: () => Reflect.ownKeys(target()),
        getOwnPropertyDescriptor: (_, key) => {
          const d = Reflect.getOwnPropertyDescriptor(target(), key);
          // A proxy may not report a property non-configurable that its own target lacks.
          return d === undefined ? undefined : { ...d, configurable: true };
        },
      },
    );
  },
  "@npmcli/arborist": (load) => {
    let real;
    // Marked as an ES module, so `__importStar` takes it as it is instead of copying (reading) each export.
    const stand = Object.defineProperty({}, "__esModule", { value: true });
    for (const name of ARBORIST_EXPORTS)
      Object.defineProperty(stand, name, { enumerable: true, get: () => (real ??= load())[name] });
    return stand;
  },
};

const original = Module._load;
const made = new Map();

Module._load = function (request, parent, isMain) {
  const make = STAND_INS[request];
  const fromSdk =
    parent && typeof parent.filename === "string" && /[\\/]@pulumi[\\/]pulumi[\\/]/.test(parent.filename);
  if (make === undefined || !fromSdk) return original.apply(this, arguments);
  let standIn = made.get(request);
  if (standIn === undefined) {
    standIn = make(() => original.call(Module, request, parent, isMain));
    made.set(request, standIn);
  }
  return standIn;
};

module.exports = { ARBORIST_EXPORTS };
