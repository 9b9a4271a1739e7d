// Elasticsearch: an NDJSON bulk body of ip_range documents that never overlap (an enrich `range` policy has no rule for overlaps), with the mapping, policy and pipeline beside.
import { addrAt, type ExportSource, type Piece } from './pieces.js';
import type { ExportOutput } from './output.js';
import { recordOf } from './record.js';
import { disjointPieces } from './rows.js';

export const ES_INDEX = 'ipdest';
export const ES_POLICY = 'ipdest-policy';
const FIELDS = ['label', 'tag', 'list', 'list_prefix', 'services', 'regions', 'hosting', 'scope', 'tags'];

export function esDocument(p: Piece): Record<string, unknown> {
  const r = recordOf(p.set);
  const doc: Record<string, unknown> = { range: { gte: addrAt(p.version, p.start).toString(), lte: addrAt(p.version, p.end).toString() }, label: r.label };
  if (r.tag !== null) doc['tag'] = r.tag;
  if (r.list !== null) doc['list'] = r.list;
  if (r.prefix !== null) doc['list_prefix'] = r.prefix;
  if (r.services.length) doc['services'] = r.services;
  if (r.regions.length) doc['regions'] = r.regions;
  if (r.hosting !== null) doc['hosting'] = r.hosting;
  doc['scope'] = r.scope;
  doc['tags'] = r.tags;
  return doc;
}

export function writeElasticsearch(src: ExportSource): { output: ExportOutput; pieces: readonly Piece[] } {
  const pieces = disjointPieces(src);
  const action = JSON.stringify({ index: { _index: ES_INDEX } });
  const bulk = pieces.map((p) => `${action}\n${JSON.stringify(esDocument(p))}\n`).join('');
  const keyword = { type: 'keyword' };
  const mapping = { mappings: { properties: { range: { type: 'ip_range' }, ...Object.fromEntries(FIELDS.map((f) => [f, keyword])) } } };
  const policy = { range: { indices: ES_INDEX, match_field: 'range', enrich_fields: FIELDS } };
  const pipeline = {
    description: 'ipdest: the destination tag of destination.ip',
    processors: [{ enrich: { policy_name: ES_POLICY, field: 'destination.ip', target_field: 'ipdest', max_matches: 1, ignore_missing: true } }],
  };
  const json = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
  return {
    output: {
      kind: 'file',
      files: [
        { name: '.mapping.json', data: json(mapping) },
        { name: '.policy.json', data: json(policy) },
        { name: '.pipeline.json', data: json(pipeline) },
        { name: '', data: bulk },
      ],
    },
    pieces,
  };
}
