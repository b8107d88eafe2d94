import { Metrics } from "@aws-lambda-powertools/metrics";

/** Powertools metrics that keep what they publish (in EMF, as it would be printed). */
export class CapturedMetrics extends Metrics {
  readonly emitted: Record<string, unknown>[] = [];

  constructor() {
    super({ namespace: "FilegateTest", serviceName: "filegate" });
  }

  override publishStoredMetrics() {
    if (this.hasStoredMetrics()) this.emitted.push(this.serializeMetrics());
    return super.publishStoredMetrics();
  }

  /** The sum of every value published under `name`. */
  total(name: string): number {
    return this.emitted
      .flatMap((emf) => emf[name])
      .reduce<number>((sum, value) => sum + (typeof value === "number" ? value : 0), 0);
  }
}
