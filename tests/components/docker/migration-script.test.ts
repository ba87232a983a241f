import * as fs from "node:fs";
import * as path from "node:path";
import { withTimeout } from "../../../components/actions/shell";
import { renderMigrationScript } from "../../../components/docker/migration-script";
import { type FakeHost, fakeHost } from "./fake-host";

// The fake docker copies the --env-file it is given (content, mode, path) into $STATE and exits
// with the code in $STATE/exit (default 0).
const DOCKER = `
[ "$1" = run ] || exit 64
while [ $# -gt 0 ]; do
  if [ "$1" = --env-file ]; then cp "$2" "$STATE/env"; stat -c %a "$2" >"$STATE/mode"; echo "$2" >"$STATE/path"; fi
  shift
done
exit "$(cat "$STATE/exit" 2>/dev/null || echo 0)"`;

let host: FakeHost;
beforeEach(() => {
  host = fakeHost(DOCKER);
});
afterEach(() => host.cleanup());

const IMAGE = `skriptoteket-web:${"a".repeat(40)}`;
const ENV =
  "DATABASE_URL=postgresql+asyncpg://skriptoteket:p%40ss@shared-postgres:5432/skriptoteket\nSECRET_KEY=k\n";

function run(): ReturnType<FakeHost["run"]> {
  return host.run(
    withTimeout(
      60,
      renderMigrationScript({ dockerBinary: host.docker, network: "hule-network", image: IMAGE }),
    ),
    ENV,
  );
}

test("runs db-upgrade in a one-shot container of the new image on the network", () => {
  const r = run();
  expect(r.status).toBe(0);
  const envPath = fs.readFileSync(path.join(host.dir, "state", "path"), "utf8").trim();
  expect(host.calls().map((c) => c.split("\t")[1])).toEqual([
    `run --rm --pull never --network hule-network --env-file ${envPath} -e PYTHONPATH=/app/src --label education.hule.hemma.role=migration ${IMAGE} pdm run db-upgrade`,
  ]);
});

test("the env file holds stdin verbatim, is private, and is gone afterwards", () => {
  expect(run().status).toBe(0);
  const state = path.join(host.dir, "state");
  expect(fs.readFileSync(path.join(state, "env"), "utf8")).toBe(ENV);
  expect(fs.readFileSync(path.join(state, "mode"), "utf8").trim()).toBe("600");
  expect(fs.existsSync(fs.readFileSync(path.join(state, "path"), "utf8").trim())).toBe(false);
});

test("a failed migration fails the step and still removes the env file", () => {
  fs.writeFileSync(path.join(host.dir, "state", "exit"), "5");
  const r = run();
  expect(r.status).toBe(5);
  expect(fs.existsSync(fs.readFileSync(path.join(host.dir, "state", "path"), "utf8").trim())).toBe(false);
});

test("no secret reaches the command line", () => {
  const script = renderMigrationScript({
    dockerBinary: "/snap/bin/docker",
    network: "hule-network",
    image: IMAGE,
  });
  expect(script).not.toMatch(/DATABASE_URL|SECRET_KEY|p%40ss/);
});
