import { z } from "zod";
import { pinnedImageSchema } from "./image-reference";

/** `hemma:images`: third-party images, each pinned by explicit tag or digest (docs/decisions/0003). */
export const imagesSchema = z.strictObject({
  /** PostgreSQL server image (spec: `postgres:16-alpine`). */
  postgres: pinnedImageSchema,
  /** nginx-proxy image (spec: `nginxproxy/nginx-proxy:1.6`). */
  nginxProxy: pinnedImageSchema,
  /** acme-companion image (spec: `nginxproxy/acme-companion:2.4`). */
  acmeCompanion: pinnedImageSchema,
});

/** Parsed `hemma:images`. */
export type ImagesConfig = z.output<typeof imagesSchema>;
