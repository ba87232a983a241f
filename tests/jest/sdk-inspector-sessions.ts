/**
 * The inspector sessions the SDK's closure serializer opened in this test file, closed when the
 * file ends (registered by tests/jest/test-file.setup.ts, recorded by
 * tests/jest/closable-v8-hooks.ts).
 *
 * To serialize a function the SDK opens an inspector session, turns the debugger on and keeps
 * both for the life of the process (runtime/closure/v8Hooks.js): right for a Pulumi program, but
 * in a Jest worker each test file loads its own SDK, so each file that serializes left one open.
 * Every script compiled afterwards (thousands per test file) was then reported to every open
 * session, and the sessions held the earlier files' module registries: the worker's heap grew by
 * about 6 MB per file, to 800 MB by the end of the suite.
 */
import type { Session } from "inspector";

const opened: Promise<Session>[] = [];

/** Notes a session the SDK opened (or is opening) in this file. */
export function recordSdkInspectorSession(session: Promise<Session>): void {
  opened.push(session);
}

/** Disconnects every recorded session; the SDK is not used again in this file after it. */
export async function closeSdkInspectorSessions(): Promise<number> {
  const sessions = new Set(await Promise.all(opened.splice(0)));
  for (const s of sessions) s.disconnect();
  return sessions.size;
}
