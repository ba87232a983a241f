import { z } from "zod";

const feature = z.boolean({ error: "true or false (a plain boolean: it decides which resources exist)" });

/**
 * `hemma:features`: which layers the stack declares. Plain booleans, never Outputs, and no
 * defaults: a stack says explicitly what it manages.
 */
export const featuresSchema = z.strictObject({
  /** The Docker layer (network, postgres, web, proxy). */
  docker: feature,
  /** The host layer (files, units, hardening over SSH). */
  host: feature,
  /** The DNS layer (public records). */
  dns: feature,
});

/** Parsed `hemma:features`. */
export type FeaturesConfig = z.output<typeof featuresSchema>;
