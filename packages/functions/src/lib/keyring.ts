import { parseKeyring } from "@filegate/core/attest";
import { settings } from "./settings";

/** The keys upload attestations and cursors are sealed and verified with (the first signs). */
export const keyring = parseKeyring(settings.attestationKeys);
