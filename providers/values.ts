/**
 * The value the engine sends in place of an input that is not known yet (during preview), from
 * `@pulumi/pulumi/runtime/rpc` `unknownValue`; providers must not act on it.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when a provider input is the engine's "not known during preview" placeholder. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/** A copy of a record without its `undefined` fields (protobuf structs cannot carry them). */
export function withoutUndefined<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v !== undefined) {
      out[k] = v;
    }
  }
  return out as T;
}
