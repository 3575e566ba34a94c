// Ranking figures over scored payments: precision, recall and F1 at a threshold, precision-recall AUC (average
// precision, ties counted together) and the precision of the day's top alerts.

export type Ranked = { readonly rank: number; readonly positive: boolean };
export type AtThreshold = {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
};

export function atThreshold(rows: readonly Ranked[], threshold: number): AtThreshold {
  let truePositives = 0;
  let flagged = 0;
  let positives = 0;
  for (const row of rows) {
    if (row.positive) positives += 1;
    if (row.rank < threshold) continue;
    flagged += 1;
    if (row.positive) truePositives += 1;
  }
  const precision = flagged === 0 ? 0 : truePositives / flagged;
  const recall = positives === 0 ? 0 : truePositives / positives;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, precision, recall, f1 };
}

/** Average precision: the area under the precision-recall curve stepping at each distinct rank, highest first. */
export function precisionRecallAuc(rows: readonly Ranked[]): number {
  const sorted = [...rows].sort((left, right) => right.rank - left.rank);
  const positives = sorted.filter((row) => row.positive).length;
  if (positives === 0) return 0;
  let area = 0;
  let truePositives = 0;
  let seen = 0;
  let index = 0;
  while (index < sorted.length) {
    const rank = sorted[index]?.rank;
    let gained = 0;
    while (index < sorted.length && sorted[index]?.rank === rank) {
      if (sorted[index]?.positive === true) gained += 1;
      seen += 1;
      index += 1;
    }
    truePositives += gained;
    area += (gained / positives) * (truePositives / seen);
  }
  return area;
}

/** The share of positives among the `count` highest-ranked rows (fewer if there are fewer rows). */
export function precisionOfTop(rows: readonly Ranked[], count: number): number {
  const top = [...rows].sort((left, right) => right.rank - left.rank).slice(0, count);
  return top.length === 0 ? 0 : top.filter((row) => row.positive).length / top.length;
}
