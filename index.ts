// The Pulumi program: load and check the stack config, build hemma, export what a user needs.
import { loadProgramConfig } from "./config/load";
import { buildHemma } from "./stacks/hemma";
import { skippedLayers } from "./stacks/layer-selection";

const outputs = buildHemma(loadProgramConfig(), { skipLayers: skippedLayers() });

export const urls = outputs.urls;
export const containers = outputs.containers;
export const images = outputs.images;
export const host = outputs.host;
