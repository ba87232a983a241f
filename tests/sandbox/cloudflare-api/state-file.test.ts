import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startCloudflareApi } from "../../../sandbox/cloudflare-api/server";
import { call } from "./api-client";

const Z1 = "0123456789abcdef0123456789abcdef";
const T1 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const options = (stateFile: string, name = "hemma.test") => ({
  zones: [{ id: Z1, name }],
  tokens: [{ value: T1, zoneIds: [Z1] }],
  stateFile,
});

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfapi-state-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("state file", () => {
  it("keeps records across a restart: same id, fields and timestamps", async () => {
    const file = path.join(dir, "nested", "state.json");
    const first = await startCloudflareApi(options(file));
    const created = await call(first.url, "POST", `/zones/${Z1}/dns_records`, {
      token: T1,
      body: { name: "hemma", type: "A", content: "192.0.2.10", ttl: 300, comment: "c" },
    });
    await first.close();

    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(saved.version).toBe(1);
    expect(saved.zones[Z1].name).toBe("hemma.test");
    expect(saved.zones[Z1].records).toHaveLength(1);

    const second = await startCloudflareApi(options(file));
    try {
      const id = (created.body.result as { id: string }).id;
      const read = await call(second.url, "GET", `/zones/${Z1}/dns_records/${id}`, { token: T1 });
      expect(read.body.result).toEqual(created.body.result);
    } finally {
      await second.close();
    }
  });

  it("saves deletions and changes made through the test hooks too", async () => {
    const file = path.join(dir, "state.json");
    const api = await startCloudflareApi(options(file));
    const rec = api.setRecord(Z1, { name: "a", type: "A", content: "192.0.2.1" });
    api.setRecord(Z1, { name: "b", type: "A", content: "192.0.2.2" });
    api.deleteRecord(Z1, String(rec.id));
    await api.close();
    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(saved.zones[Z1].records.map((r: { name: string }) => r.name)).toEqual(["b.hemma.test"]);
  });

  it("keeps zones it does not serve untouched when it saves", async () => {
    const file = path.join(dir, "state.json");
    const other = { name: "other.test", records: [{ id: "x", name: "kept.other.test" }] };
    fs.writeFileSync(file, JSON.stringify({ version: 1, zones: { ["f".repeat(32)]: other } }));
    const api = await startCloudflareApi(options(file));
    api.setRecord(Z1, { name: "a", type: "A", content: "192.0.2.1" });
    await api.close();
    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(saved.zones["f".repeat(32)]).toEqual(other);
    expect(saved.zones[Z1].records).toHaveLength(1);
  });

  it("starts empty without a file and writes none until something changes", async () => {
    const file = path.join(dir, "state.json");
    const api = await startCloudflareApi(options(file));
    expect(api.dump(Z1)).toEqual([]);
    await api.close();
    expect(fs.existsSync(file)).toBe(false);
  });

  it.each<[string, string, RegExp]>([
    ["not JSON", "{", /is not readable JSON/],
    [
      "another format",
      JSON.stringify({ version: 2, zones: {} }),
      /is not a version 1 Cloudflare API state file/,
    ],
    [
      "the zone under another name",
      JSON.stringify({ version: 1, zones: { [Z1]: { name: "prod.test", records: [] } } }),
      new RegExp(`has zone ${Z1} as prod.test, not hemma.test`),
    ],
  ])("refuses a file that is %s", async (_what, content, message) => {
    const file = path.join(dir, "state.json");
    fs.writeFileSync(file, content);
    await expect(startCloudflareApi(options(file))).rejects.toThrow(message);
  });
});
