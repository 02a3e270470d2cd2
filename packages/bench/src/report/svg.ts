// results/latest.svg: one panel per suite, a horizontal bar per configuration showing its ratio
// to the suite's baseline (dashed line at 1×), with the target threshold where one applies.
// Hand-written SVG; pure and unit-tested.
import { machineLine } from "../internal/machine.js";
import { type BenchResults, type SuiteResult, summarizeMeasurement } from "../internal/results.js";
import { fmt, fmtRatio } from "./format.js";

const WIDTH = 960;
const LABEL_W = 380;
const VALUE_W = 190;
const BAR_AREA = WIDTH - LABEL_W - VALUE_W - 20;
const BAR_H = 18;
const GAP = 6;
const TITLE_H = 28;
const PANEL_PAD = 18;

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function panel(suite: SuiteResult, y0: number, thresholds: readonly number[]): { svg: string; height: number } {
  const rows = suite.measurements.map((m) => summarizeMeasurement(suite, m));
  const maxRatio = Math.max(1.2, ...thresholds, ...rows.map((r) => (r.ratio !== undefined && Number.isFinite(r.ratio) ? r.ratio : 0)));
  const scale = BAR_AREA / maxRatio;
  const x0 = LABEL_W;
  const parts: string[] = [];
  const better = suite.higherIsBetter ? "higher is better" : "lower is better";
  const baseline = suite.measurements.find((m) => m.config === suite.baseline)?.label ?? suite.baseline;
  parts.push(`<text x="10" y="${y0 + 18}" class="title">${escapeXml(`${suite.title} — ratio to ${baseline} (${better})`)}</text>`);
  let y = y0 + TITLE_H;
  for (const r of rows) {
    const ratio = r.ratio !== undefined && Number.isFinite(r.ratio) ? r.ratio : 0;
    const w = Math.max(0, ratio * scale);
    const cls = r.config === suite.baseline ? "bar base" : "bar";
    parts.push(`<text x="${x0 - 8}" y="${y + 13}" class="label" text-anchor="end">${escapeXml(r.label)}</text>`);
    parts.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" class="${cls}"/>`);
    const value = `${fmtRatio(r.ratio)} · ${fmt(r.value.median, suite.digits)} ${suite.unit}${r.failures > 0 ? ` · ${r.failures} failed` : ""}`;
    parts.push(`<text x="${(x0 + w + 6).toFixed(1)}" y="${y + 13}" class="value">${escapeXml(value)}</text>`);
    y += BAR_H + GAP;
  }
  const top = y0 + TITLE_H - 3;
  const bottom = y - GAP + 3;
  const one = x0 + scale;
  parts.push(`<line x1="${one.toFixed(1)}" y1="${top}" x2="${one.toFixed(1)}" y2="${bottom}" class="one"/>`);
  for (const threshold of thresholds) {
    const tx = x0 + threshold * scale;
    parts.push(`<line x1="${tx.toFixed(1)}" y1="${top}" x2="${tx.toFixed(1)}" y2="${bottom}" class="target"/>`);
    parts.push(`<text x="${tx.toFixed(1)}" y="${bottom + 11}" class="note" text-anchor="middle">target ${threshold}×</text>`);
  }
  return { svg: parts.join("\n"), height: y - y0 + PANEL_PAD };
}

export function renderSvg(results: BenchResults): string {
  const panels: string[] = [];
  let y = 40;
  for (const suite of results.suites) {
    if (suite.measurements.length === 0) continue;
    const ratioTargets = [
      ...new Set(results.targets.filter((t) => t.suite === suite.id && t.kind === "ratio-at-least").map((t) => t.threshold)),
    ];
    const p = panel(suite, y, ratioTargets);
    panels.push(p.svg);
    y += p.height;
  }
  const height = y + 10;
  const header = `Machine: ${machineLine(results.machine, results.startedAt.slice(0, 10))}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    "<style>",
    ".title{font-size:14px;font-weight:600;fill:#111}.label{font-size:12px;fill:#222}.value{font-size:11px;fill:#333}",
    ".note{font-size:10px;fill:#b00}.bar{fill:#3b82f6}.base{fill:#9ca3af}.one{stroke:#555;stroke-dasharray:3 3}.target{stroke:#b00;stroke-dasharray:5 3}",
    ".header{font-size:11px;fill:#555}",
    "</style>",
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" class="header">${escapeXml(header)}</text>`,
    ...panels,
    "</svg>",
    "",
  ].join("\n");
}
