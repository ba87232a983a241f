import { CloudflareApiError } from "../../../sandbox/cloudflare-api/errors";
import { paginate, RECORD_PAGE_LIMITS, selectRecords } from "../../../sandbox/cloudflare-api/list-query";
import type { RecordFields } from "../../../sandbox/cloudflare-api/validation";

type R = RecordFields & { readonly label: string };
const rec = (
  label: string,
  f: Partial<RecordFields> & Pick<RecordFields, "name" | "type" | "content">,
): R => ({
  label,
  ttl: 1,
  proxied: false,
  comment: null,
  tags: [],
  settings: {},
  ...f,
});

const RECORDS: readonly R[] = [
  rec("hostA", {
    name: "hemma.hemma.test",
    type: "A",
    content: "192.0.2.1",
    ttl: 300,
    comment: "Managed by hemma-infra",
  }),
  rec("hostAAAA", { name: "hemma.hemma.test", type: "AAAA", content: "2001:db8::1", ttl: 600 }),
  rec("grafana", {
    name: "grafana.hemma.hemma.test",
    type: "CNAME",
    content: "hemma.hemma.test",
    tags: ["team:Ops", "public"],
  }),
  rec("app", {
    name: "app.hemma.test",
    type: "CNAME",
    content: "hemma.hemma.test",
    proxied: true,
    tags: ["team:dev"],
  }),
  rec("spf", { name: "hemma.test", type: "TXT", content: "v=spf1 -all", ttl: 3600, comment: "mail policy" }),
];

const labels = (query: string): string[] =>
  selectRecords(RECORDS, new URLSearchParams(query)).map((r) => r.label);

describe("selectRecords", () => {
  it.each<[string, string[]]>([
    // Default order: type, then name.
    ["", ["hostA", "hostAAAA", "app", "grafana", "spf"]],
    // ddclient's lookup: type and the full name.
    ["type=A&name=hemma.hemma.test", ["hostA"]],
    ["name=HEMMA.hemma.test", ["hostA", "hostAAAA"]],
    ["name.exact=hemma.hemma.test&type=AAAA", ["hostAAAA"]],
    ["name.contains=grafana", ["grafana"]],
    ["name.startswith=app.", ["app"]],
    ["name.endswith=.hemma.hemma.test", ["grafana"]],
    ["content=HEMMA.hemma.test", ["app", "grafana"]],
    ["content.contains=spf1", ["spf"]],
    ["content.startswith=192.0", ["hostA"]],
    ["content.endswith=::1", ["hostAAAA"]],
    ["content.exact=192.0.2.1", ["hostA"]],
    ["proxied=true", ["app"]],
    ["proxied=false&type=CNAME", ["grafana"]],
    ["comment=managed by hemma-infra", ["hostA"]],
    ["comment.present", ["hostA", "spf"]],
    ["comment.absent", ["hostAAAA", "app", "grafana"]],
    ["comment.contains=POLICY", ["spf"]],
    ["comment.startswith=managed", ["hostA"]],
    ["comment.endswith=infra", ["hostA"]],
    ["comment.exact=mail policy", ["spf"]],
    ["tag=public", ["grafana"]],
    ["tag=team:ops", ["grafana"]],
    ["tag.present=team", ["app", "grafana"]],
    ["tag.absent=team", ["hostA", "hostAAAA", "spf"]],
    ["tag.exact=team:dev", ["app"]],
    ["tag.contains=team:o", ["grafana"]],
    ["tag.startswith=team:d", ["app"]],
    ["tag.endswith=team:ps", ["grafana"]],
    ["tag.exact=team:dev&tag.exact=team:ops", []],
    ["tag.exact=team:dev&tag.exact=team:ops&tag_match=any", ["app", "grafana"]],
    // match=all is AND (the default), any is OR.
    ["type=TXT&proxied=true", []],
    ["type=TXT&proxied=true&match=any", ["app", "spf"]],
    ["type=AAAA&name=app.hemma.test&match=ANY", ["hostAAAA", "app"]],
    ["search=spf", ["spf"]],
    ["order=name", ["app", "grafana", "hostA", "hostAAAA", "spf"]],
    ["order=name&direction=desc", ["spf", "hostA", "hostAAAA", "grafana", "app"]],
    ["order=ttl", ["app", "grafana", "hostA", "hostAAAA", "spf"]],
    ["order=ttl&direction=DESC", ["spf", "hostAAAA", "hostA", "app", "grafana"]],
    ["order=content", ["hostA", "hostAAAA", "app", "grafana", "spf"]],
    ["order=proxied&type=CNAME", ["grafana", "app"]],
  ])("%s", (query, expected) => {
    expect(labels(query)).toEqual(expected);
  });

  it.each([
    ["type=BOGUS"],
    ["proxied=yes"],
    ["match=some"],
    ["order=id"],
    ["direction=up"],
    ["tag_match=x&tag=a"],
  ])("refuses %s with 400", (query) => {
    expect(() => labels(query)).toThrow(CloudflareApiError);
    try {
      labels(query);
    } catch (err) {
      expect((err as CloudflareApiError).status).toBe(400);
    }
  });
});

describe("paginate", () => {
  const items = Array.from({ length: 12 }, (_, i) => i);
  const page = (query: string) => paginate(items, new URLSearchParams(query), RECORD_PAGE_LIMITS);

  it("defaults to page 1 of 100", () => {
    expect(page("")).toEqual({
      page: items,
      info: { page: 1, per_page: 100, count: 12, total_count: 12, total_pages: 1 },
    });
  });

  it("pages through with per_page, the last page short, past the end empty", () => {
    expect(page("per_page=5&page=1")).toEqual({
      page: [0, 1, 2, 3, 4],
      info: { page: 1, per_page: 5, count: 5, total_count: 12, total_pages: 3 },
    });
    expect(page("per_page=5&page=3")).toEqual({
      page: [10, 11],
      info: { page: 3, per_page: 5, count: 2, total_count: 12, total_pages: 3 },
    });
    expect(page("per_page=5&page=4")).toEqual({
      page: [],
      info: { page: 4, per_page: 5, count: 0, total_count: 12, total_pages: 3 },
    });
  });

  it("clamps per_page to the documented 5..50000", () => {
    expect(page("per_page=2").info.per_page).toBe(5);
    expect(page("per_page=5000000").info.per_page).toBe(50000);
  });

  it("reports one page for an empty list", () => {
    expect(paginate([], new URLSearchParams(), RECORD_PAGE_LIMITS).info).toEqual({
      page: 1,
      per_page: 100,
      count: 0,
      total_count: 0,
      total_pages: 1,
    });
  });

  it.each([["page=0"], ["page=-1"], ["page=abc"], ["per_page=1.5"]])("refuses %s with 400", (query) => {
    expect(() => page(query)).toThrow(CloudflareApiError);
  });
});
