import type { TransferProgress } from "@filegate/client";
import type { SingleBar } from "cli-progress";
import { formatBytes } from "./format";

/** One transfer on screen. */
export interface TransferView {
  /** Feeds the client's progress events. */
  update(progress: TransferProgress): void;
  /** The transfer is over: its bar goes away. */
  end(): void;
}

/** Shows transfers: bars on a terminal, nothing but the result lines elsewhere. */
export interface Reporter {
  start(name: string, total: number): TransferView;
  /** A result line ("uploaded ..."), printed above any bars. */
  line(text: string, stream?: NodeJS.WriteStream): void;
  stop(): void;
}

/**
 * Progress bars (cli-progress, on stderr) when stderr is a terminal and the output is for
 * people; plain result lines otherwise, so logs and pipes get one line per file.
 */
export async function createReporter(options: { json: boolean }): Promise<Reporter> {
  const tty = Boolean(process.stderr.isTTY) && !options.json && !process.env.CI;
  if (!tty) return plainReporter(options.json);
  const { MultiBar, Presets } = await import("cli-progress");
  const bars = new MultiBar(
    {
      format: " {bar} {percentage}% | {done} / {size} | {name}",
      hideCursor: true,
      clearOnComplete: true,
      autopadding: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  // Once bars are on screen every line goes through them: they track the lines they own.
  let drawing = false;
  return {
    start(name, total) {
      drawing = true;
      const bar: SingleBar = bars.create(Math.max(total, 1), 0, {
        name,
        done: formatBytes(0),
        size: formatBytes(total),
      });
      let known = total;
      return {
        update: (progress) => {
          // A download learns its size from the first answer.
          if (progress.total !== known) {
            known = progress.total;
            bar.setTotal(Math.max(known, 1));
            bar.update({ size: formatBytes(known) });
          }
          bar.update(known === 0 ? 1 : progress.loaded, { done: formatBytes(progress.loaded) });
        },
        end: () => bars.remove(bar),
      };
    },
    line(text, stream = process.stdout) {
      if (!drawing || (stream === process.stdout && !process.stdout.isTTY)) {
        stream.write(`${text}\n`);
        return;
      }
      // Above the bars, which are redrawn below it.
      bars.log(`${text}\n`);
      bars.update();
    },
    stop() {
      if (drawing) bars.stop();
      drawing = false;
    },
  };
}

function plainReporter(json: boolean): Reporter {
  return {
    start: () => ({ update: () => {}, end: () => {} }),
    line(text, stream = process.stdout) {
      // With --json, stdout carries one JSON document and nothing else.
      if (json && stream === process.stdout) return;
      stream.write(`${text}\n`);
    },
    stop: () => {},
  };
}
