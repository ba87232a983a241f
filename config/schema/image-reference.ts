import { z } from "zod";

// Grammar of github.com/distribution/reference (the one `docker pull` uses), restricted to
// sha256 digests. Repository path components are lower case; only a registry host may have
// upper case letters or a port.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?)`;
const PATH_COMPONENT = "(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)";
const REPOSITORY = `(?:(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";

const REPOSITORY_RE = new RegExp(`^${REPOSITORY}$`);
const REFERENCE_RE = new RegExp(`^(${REPOSITORY})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** A parsed image reference. */
export interface ImageReference {
  /** Repository, with registry host if one was given (`nginxproxy/nginx-proxy`). */
  readonly repository: string;
  /** Tag, if given (`1.6`). */
  readonly tag?: string;
  /** Content digest, if given (`sha256:...`). */
  readonly digest?: string;
}

/**
 * Parses a Docker image reference (`[registry/]repo[:tag][@sha256:<64 hex>]`).
 * Returns undefined when the text is not a valid reference (spaces, upper-case repository, empty tag...).
 */
export function parseImageReference(value: string): ImageReference | undefined {
  const m = REFERENCE_RE.exec(value);
  if (!m) return undefined;
  const [, repository, tag, digest] = m;
  // A lone `host:port` registry would otherwise parse as repository `host` with tag `port`;
  // the regex already binds `:<tag>` after the last path component, which is the same rule Docker uses.
  return { repository: repository!, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Whether `value` is a repository name without tag or digest (`skriptoteket-web`, `registry:5000/x/y`). */
export function isImageRepository(value: string): boolean {
  return REPOSITORY_RE.test(value);
}

/**
 * Why a third-party image reference is not pinned enough, or undefined when it is.
 * Rule (docs/decisions/0003): an explicit tag other than `latest`, or a sha256 digest.
 */
export function pinnedImageProblem(value: string): string | undefined {
  const ref = parseImageReference(value);
  if (!ref) {
    return "an image reference name:tag or name:tag@sha256:<64 hex> (lower-case repository, no spaces, non-empty tag)";
  }
  if (ref.tag === "latest") return "an explicit tag other than 'latest' (or a sha256 digest)";
  if (!ref.tag && !ref.digest)
    return "an explicit tag (name:tag) or a sha256 digest; an untagged name means 'latest'";
  return undefined;
}

/** A third-party image reference pinned by explicit non-latest tag and/or sha256 digest. */
export const pinnedImageSchema = z
  .string({ error: "an image reference name:tag" })
  .superRefine((value, ctx) => {
    const problem = pinnedImageProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
  });

/** A local image repository name, no tag (the program tags it with the git commit). */
export const imageRepositorySchema = z
  .string({ error: "an image repository name" })
  .refine(isImageRepository, {
    error: "an image repository name without tag: lower-case letters, digits, '.', '_', '-', '/' (no spaces)",
  });
