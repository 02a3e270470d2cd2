// Number formatting shared by the Markdown and SVG reports.

export function fmt(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "–" : `${value.toFixed(2)}×`;
}

/** "0.80× (0.75–0.85)": a median ratio with the spread over rounds; no range for a single round. */
export function fmtRatioSpread(s: { n: number; min: number; median: number; max: number }): string {
  if (s.n === 0) return "–";
  if (s.n === 1) return fmtRatio(s.median);
  return `${fmtRatio(s.median)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}
