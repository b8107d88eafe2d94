import { appendFile, readFile, rename, unlink } from "node:fs/promises";
import type { EventBridge } from "./bridge";

/** What a redrive did: every dead letter is either applied now or back in the file. */
export interface RedriveResult {
  /** Messages sent back to the subscriber. */
  redriven: number;
  /** Of those, how many were applied this time. */
  applied: number;
  /** Of those, how many failed every delivery again and are back in the dead-letter file. */
  deadLetteredAgain: number;
  /** Lines that were not dead letters at all, kept in the file untouched. */
  unreadable: number;
}

interface DeadLetter {
  messageId: string;
  body: string;
}

/**
 * Replays the dead-letter file into the bridge, as `aws sqs start-message-move-task` moves a
 * dead-letter queue back to its source queue: each message gets a fresh set of deliveries
 * (with retries and backoff); what fails them all is dead-lettered again. The file is taken
 * aside first (so new dead letters are not replayed twice) and removed only once every
 * message has been delivered or dead-lettered again. Resolves when the bridge is idle.
 */
export async function redriveDeadLetters(
  deadLetterFile: string,
  bridge: EventBridge,
): Promise<RedriveResult> {
  const taken = `${deadLetterFile}.redriving-${Date.now()}`;
  try {
    await rename(deadLetterFile, taken);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { redriven: 0, applied: 0, deadLetteredAgain: 0, unreadable: 0 };
    }
    throw error;
  }
  const letters: DeadLetter[] = [];
  const unreadable: string[] = [];
  for (const line of (await readFile(taken, "utf8")).split("\n")) {
    if (line.trim() === "") continue;
    const letter = parseLetter(line);
    if (letter) letters.push(letter);
    else unreadable.push(line);
  }
  // Never lose a line: what cannot be replayed stays in the dead-letter file.
  if (unreadable.length > 0) {
    await appendFile(deadLetterFile, unreadable.map((line) => `${line}\n`).join(""));
  }
  for (const letter of letters) bridge.send(letter.body, letter.messageId);
  await bridge.idle();
  await unlink(taken);

  const replayed = new Set(letters.map((letter) => letter.messageId));
  const again = (await readLetters(deadLetterFile)).filter((id) => replayed.has(id)).length;
  return {
    redriven: letters.length,
    applied: letters.length - again,
    deadLetteredAgain: again,
    unreadable: unreadable.length,
  };
}

function parseLetter(line: string): DeadLetter | undefined {
  try {
    const value = JSON.parse(line) as Partial<DeadLetter>;
    if (typeof value.messageId === "string" && typeof value.body === "string") {
      return { messageId: value.messageId, body: value.body };
    }
  } catch {
    // not JSON: kept as it is
  }
  return undefined;
}

async function readLetters(file: string): Promise<string[]> {
  try {
    return (await readFile(file, "utf8"))
      .split("\n")
      .flatMap((line) => (line.trim() ? [parseLetter(line)?.messageId ?? ""] : []));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
