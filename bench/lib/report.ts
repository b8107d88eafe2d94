import { median } from "./measure";

/** One measured figure: the median over its rounds. */
export interface Figure {
  id: string;
  label: string;
  unit: string;
  /** The median of `samples`. */
  value: number;
  /** One value per round. */
  samples: number[];
  /** Which way is better, for reading ratios. */
  better: "lower" | "higher";
}

export interface Goal {
  op: "<=" | ">=";
  value: number;
}

/** A figure divided by a baseline measured in the same run. */
export interface Ratio {
  id: string;
  label: string;
  of: string;
  to: string;
  value: number;
  goal?: Goal;
  met?: boolean;
}

export interface SuiteResult {
  suite: string;
  title: string;
  figures: Figure[];
  ratios: Ratio[];
  /** Facts the harness verified (a floor that signs the same URL, answers that were right). */
  checks: Record<string, boolean>;
  /** How the figures were taken: engines, sizes, rounds, what was stubbed. */
  setup: Record<string, string | number | boolean>;
  notes: string[];
}

export function figure(
  id: string,
  label: string,
  unit: string,
  samples: readonly number[],
  better: Figure["better"] = "lower",
): Figure {
  return { id, label, unit, value: median(samples), samples: [...samples], better };
}

/** `of / to`, with its goal checked when there is one. */
export function ratio(id: string, label: string, of: Figure, to: Figure, goal?: Goal): Ratio {
  const value = of.value / to.value;
  const result: Ratio = { id, label, of: of.id, to: to.id, value };
  if (goal) {
    result.goal = goal;
    result.met = goal.op === "<=" ? value <= goal.value : value >= goal.value;
  }
  return result;
}

/** A short, readable rendering of a number: three significant digits, thousands kept whole. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export function formatGoal(goal: Goal | undefined): string {
  return goal ? `${goal.op === "<=" ? "≤" : "≥"} ${goal.value}×` : "";
}

/**
 * The suites as text tables: figures with their spread, then every ratio and its goal, the
 * checks and the notes (what an event costs in calls, what each bundle adds to its floor).
 */
export function renderSuites(suites: readonly SuiteResult[]): string {
  const lines: string[] = [];
  for (const suite of suites) {
    lines.push("", suite.title);
    const figureRows = suite.figures.map((f) => [
      f.label,
      `${formatNumber(f.value)} ${f.unit}`,
      f.samples.length > 1
        ? `${formatNumber(Math.min(...f.samples))}–${formatNumber(Math.max(...f.samples))}`
        : "",
      String(f.samples.length),
    ]);
    lines.push(...table(["figure", "median", "range", "rounds"], figureRows));
    if (suite.ratios.length > 0) {
      const ratioRows = suite.ratios.map((r) => [
        r.label,
        `${formatNumber(r.value)}×`,
        formatGoal(r.goal),
        r.met === undefined ? "" : r.met ? "met" : "MISSED",
      ]);
      lines.push(...table(["ratio", "value", "goal", ""], ratioRows));
    }
    for (const [name, ok] of Object.entries(suite.checks)) {
      lines.push(`  check ${ok ? "ok" : "FAILED"}: ${name}`);
    }
    for (const note of suite.notes) lines.push(`  note: ${note}`);
  }
  return lines.join("\n");
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const render = (cells: string[]) =>
    `  ${cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")}`.trimEnd();
  return [render(header), ...rows.map(render)];
}
