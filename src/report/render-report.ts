// From counted records to the report's text, in any of its formats: the one place that assembles a ReportModel,
// for `synbait report` and for `synbait label --report`.

import type { Aggregator } from './aggregate.ts';
import { renderHtml } from './render/html.ts';
import { renderJson } from './render/json.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderText } from './render/text.ts';
import type { Problem, ReportFormat, ReportModel } from './report-model.ts';

export const RENDERERS: Readonly<Record<ReportFormat, (m: ReportModel) => string>> = {
  text: renderText, markdown: renderMarkdown, json: renderJson, html: renderHtml,
};

/** What the model says besides the counts. */
export type ModelFacts = Omit<ReportModel, 'summary' | 'generatedAt' | 'elapsedMs'> & {
  readonly now: Date;
  readonly startedMs: number;
};

export function reportModel(aggregator: Aggregator, f: ModelFacts): ReportModel {
  const { now, startedMs, ...rest } = f;
  return { ...rest, generatedAt: now.toISOString(), summary: aggregator.summary(f.top), elapsedMs: performance.now() - startedMs };
}

export function renderReport(format: ReportFormat, model: ReportModel): string {
  return RENDERERS[format](model);
}

export type { Problem, ReportFormat, ReportModel };
