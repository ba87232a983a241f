import type { ApiMessage } from "./errors";

/** Paging facts of a list answer, as Cloudflare's `result_info`. */
export interface ResultInfo {
  /** Page returned, from 1. */
  readonly page: number;
  /** Page size used. */
  readonly per_page: number;
  /** Items on this page. */
  readonly count: number;
  /** Items on all pages. */
  readonly total_count: number;
  /** Number of pages (1 for an empty list). */
  readonly total_pages: number;
}

/** Cloudflare's v4 response body. */
export interface Envelope {
  /** True exactly when `errors` is empty. */
  readonly success: boolean;
  /** Why the request was refused. */
  readonly errors: readonly ApiMessage[];
  /** Informational messages (`/user/tokens/verify` sends one). */
  readonly messages: readonly (ApiMessage & { readonly type?: string | null })[];
  /** The answer; null on failure. */
  readonly result: unknown;
  /** Present on list answers only. */
  readonly result_info?: ResultInfo;
}

/** A success envelope around `result`. */
export function ok(
  result: unknown,
  extra: { result_info?: ResultInfo; messages?: Envelope["messages"] } = {},
): Envelope {
  return {
    success: true,
    errors: [],
    messages: extra.messages ?? [],
    result,
    ...(extra.result_info ? { result_info: extra.result_info } : {}),
  };
}

/** A failure envelope: `result` null, as Cloudflare sends it. */
export function failure(errors: readonly ApiMessage[]): Envelope {
  return { success: false, errors, messages: [], result: null };
}
