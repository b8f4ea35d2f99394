import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type World, startWorld } from './support/world.js';

const DASHBOARD = path.resolve(import.meta.dirname, '../../../infra/grafana/plexmcp-dashboard.json');

/** PromQL words that are not metric names: functions, aggregations, keywords. */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'and',
  'or',
  'unless',
  'le',
]);

/** The metric names a PromQL expression reads (label matchers, groupings and strings removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w));
}

/** Every series name a `/metrics` exposition can hold: histograms add `_bucket`, `_sum`, `_count`. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary')
      for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
  }
  return names;
}

describe('infra/grafana/plexmcp-dashboard.json', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld('grafana');
    await world.startUsageService();
    await world.startGateway();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('reads only metrics the running services expose', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      templating: { list: { type: string; query: string }[] };
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ type: 'datasource', query: 'prometheus' }),
    );
    const used = new Map<string, string>();
    for (const panel of dashboard.panels)
      for (const target of panel.targets ?? [])
        for (const name of metricNames(target.expr)) used.set(name, panel.title);
    expect(used.size).toBeGreaterThan(15);

    const sources = [
      `${world.gateways[0]!.url}/metrics`,
      `http://127.0.0.1:${world.keyService!.opsPort}/metrics`,
      `http://127.0.0.1:${world.usageService!.opsPort}/metrics`,
    ];
    const exposed = new Set<string>();
    for (const url of sources)
      for (const name of exposedNames(await (await fetch(url)).text())) exposed.add(name);

    const missing = [...used]
      .filter(([name]) => !exposed.has(name))
      .map(([name, panel]) => `${name} (${panel})`);
    expect(missing).toEqual([]);
  });
});
