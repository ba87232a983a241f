import { z } from "zod";
import { emailSchema } from "./fields";

/** `hemma:letsencrypt`: certificate issuance by acme-companion. */
export const letsencryptSchema = z.strictObject({
  /** Account e-mail (`DEFAULT_EMAIL`); expiry notices go here. */
  email: z
    .string({ error: "the Let's Encrypt account e-mail address (expiry notices go there)" })
    .pipe(emailSchema),
  /** Use the Let's Encrypt staging CA (untrusted certs, generous rate limits). Default false. */
  staging: z.boolean({ error: "true or false" }).default(false),
});

/** Parsed `hemma:letsencrypt`. */
export type LetsencryptConfig = z.output<typeof letsencryptSchema>;
