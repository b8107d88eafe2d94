import { readFile } from "node:fs/promises";
import { newKeyringEntry } from "@filegate/core/attest";
import { writeAtomically } from "./auth";

/** The local stack's attestation key file, in its state folder. */
export const ATTESTATION_KEY_FILE = "attestation-keys";

/**
 * The attestation keyring the local handlers sign and verify uploads with: the
 * `FILEGATE_ATTESTATION_KEYS` of the environment when set, else the key file (created with one
 * fresh key on first start, kept so that objects uploaded earlier keep verifying). The value
 * is set in this process's environment, where the handlers read it.
 */
export async function useAttestationKeys(keyFile: string): Promise<string> {
  let keys = process.env.FILEGATE_ATTESTATION_KEYS?.trim();
  if (!keys) {
    keys = await readOrCreate(keyFile);
    process.env.FILEGATE_ATTESTATION_KEYS = keys;
  }
  return keys;
}

/** The keys of a key file (one `id:base64key,...` line), created when absent. */
export async function readOrCreate(keyFile: string): Promise<string> {
  try {
    return (await readFile(keyFile, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const keys = newKeyringEntry();
  await writeAtomically(keyFile, `${keys}\n`, 0o600);
  return keys;
}
