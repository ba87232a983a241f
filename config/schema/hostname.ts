import { z } from "zod";

/** One RFC 1123 label: 1-63 of a-z, 0-9 and `-`, not starting or ending with `-`. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Whether `value` is an RFC 1123 hostname in lower case (labels of 1-63 characters, 253 in all).
 * Lower case only, so that two spellings of one public name cannot slip past the duplicate check.
 */
export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  return value.split(".").every((label) => LABEL.test(label));
}

/** Whether `value` is a dotted IPv4 address with each octet 0-255 and no leading zeros. */
export function isIpv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** Whether `value` is an IPv6 address (hex groups with at most one `::`). */
export function isIpv6(value: string): boolean {
  if (!/^[0-9a-fA-F:]+$/.test(value) || value.length < 2) return false;
  const halves = value.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/** A hostname (RFC 1123, lower case) that may be a single label such as `localhost`. */
export const hostnameSchema = z
  .string({ error: "a hostname (RFC 1123, lower case)" })
  .refine(isHostname, { error: "a hostname: lower-case labels of a-z, 0-9 and '-', joined by dots" });

/** Where an SSH or TCP client connects: a hostname or an IPv4/IPv6 address. */
export const hostOrIpSchema = z
  .string({ error: "a hostname or IP address" })
  .refine((v) => isHostname(v) || isIpv4(v) || isIpv6(v), {
    error: "a hostname (lower-case RFC 1123 labels) or an IPv4/IPv6 address",
  });

/**
 * Registry that marks the schemas whose values are public DNS names. The duplicate-hostname
 * check walks the config schema and collects every value whose schema is registered here, so a
 * new area only has to use {@link publicHostnameSchema} to take part.
 */
export const publicHostnameRegistry = z.registry<{ kind: "publicHostname" }>();

/**
 * A fully qualified public DNS name served by this host (at least two labels). Use this exact
 * schema (optionally wrapped in `.optional()`, `.default()` or `z.array()`) for every public
 * name, so it takes part in the duplicate check; `.describe()`/`.meta()` would make an unmarked copy.
 */
export const publicHostnameSchema = z
  .string({ error: "a public hostname such as app.example.org" })
  .refine((v) => isHostname(v) && v.includes("."), {
    error: "a public hostname: two or more lower-case RFC 1123 labels joined by dots, no spaces",
  })
  .register(publicHostnameRegistry, { kind: "publicHostname" });
