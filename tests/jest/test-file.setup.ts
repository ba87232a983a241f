// Runs in each test file's realm after Jest installed source-map-support (setupFilesAfterEnv).
// The SDK's promise traces themselves are turned off where the SDK loads (untraced-debuggable.ts).
import { installCheapSdkPromiseStacks } from "../../runtime/sdk-promise-stacks";
import { installPlainResourceCallsites } from "./plain-resource-callsites";
import { closeSdkInspectorSessions } from "./sdk-inspector-sessions";

installCheapSdkPromiseStacks();
installPlainResourceCallsites();
// Else the session keeps this file's realm alive for the rest of the worker's life.
afterAll(closeSdkInspectorSessions);
