// Runs after Jest installed source-map-support in the test file's realm (setupFilesAfterEnv).
import { installCheapSdkPromiseStacks } from "../../runtime/sdk-promise-stacks";

installCheapSdkPromiseStacks();
