// A running mean and variance (Welford), one per merchant category, so an amount's z-score needs no history.

export class RunningStats {
  count = 0;
  mean = 0;
  private sumOfSquares = 0;

  add(value: number): void {
    this.count += 1;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.sumOfSquares += delta * (value - this.mean);
  }

  /** The sample variance; 0 below two values. */
  variance(): number {
    return this.count < 2 ? 0 : this.sumOfSquares / (this.count - 1);
  }

  /**
   * How many standard deviations `value` lies from the mean; 0 until there is a spread to measure. A spread below
   * `minDeviation` counts as `minDeviation`.
   */
  zScore(value: number, minDeviation = 0): number {
    const deviation = Math.max(Math.sqrt(this.variance()), minDeviation);
    return deviation === 0 ? 0 : (value - this.mean) / deviation;
  }
}
