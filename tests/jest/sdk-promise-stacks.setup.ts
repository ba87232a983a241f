// Runs after Jest installed source-map-support in the test file's realm (setupFilesAfterEnv), with
// the test file's module registry: the SDK this file patches is the one its tests load.
import * as debuggable from "@pulumi/pulumi/runtime/debuggable";
import { installCheapSdkPromiseStacks, skipSdkPromiseTraces } from "../../runtime/sdk-promise-stacks";

skipSdkPromiseTraces(debuggable);
installCheapSdkPromiseStacks();
