import { loadSettings } from "@filegate/core/config";

/** Settings from the environment, parsed once per cold start (a bad value fails loudly). */
export const settings = loadSettings(process.env);
