/**
 * A `create` that changed the host and then failed (an on-change command, a unit that would
 * not start). Thrown with `id` and `properties`, the dynamic-provider host reports it as an
 * initialization failure: the engine records the resource with these outputs, so the next `up`
 * retries it as an update and `destroy` can remove it, instead of leaving an orphan on the host.
 */
export function partialCreateError(cause: Error, id: string, properties: object, inputs: object): Error {
  // Unlike a successful create, the SDK stores these properties as they are: without the
  // serialized provider, a later delete or update of the resource could not run.
  const provider = (inputs as { __provider?: unknown }).__provider;
  return Object.assign(new Error(cause.message), {
    id,
    properties: { ...properties, __provider: provider },
    reasons: [cause.message],
  });
}
