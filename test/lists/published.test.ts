// publishedOf: the publisher's date from a list file's name or first keys, and readiness turning stale with time.
import t from 'tap';
import { publishedOf, readinessOf, type ListFormat, type LoadedList, type ListSet } from '../../src/lists/index.js';

const rows: Array<{ format: ListFormat; file: string; text: string; want: string | null; why: string }> = [
  {
    format: 'azure-service-tags',
    file: '/x/ServiceTags_Public_20251028.json',
    text: '{"changeNumber": 375}',
    want: '2025-10-28',
    why: "Microsoft's dated file name",
  },
  { format: 'azure-service-tags', file: 'ServiceTags_Public.json', text: '{}', want: null, why: 'an undated name: the file has only changeNumber' },
  { format: 'azure-service-tags', file: 'ServiceTags_Public_20251341.json', text: '{}', want: null, why: 'not a calendar date' },
  {
    format: 'aws-ip-ranges',
    file: 'ip-ranges.json',
    text: '{\n  "syncToken": "1787411825",\n  "createDate": "2026-08-22-15-17-05",',
    want: '2026-08-22T15:17:05Z',
    why: 'createDate, UTC',
  },
  { format: 'aws-ip-ranges', file: 'ip-ranges.json', text: '{"prefixes": []}', want: null, why: 'no createDate' },
  {
    format: 'google-ip-ranges',
    file: 'goog.json',
    text: '{\n  "syncToken": "1714053903689",\n  "creationTime": "2024-04-25T07:05:03.68994",',
    want: '2024-04-25T14:05:03.689Z',
    why: 'syncToken in ms; creationTime is Pacific time without a zone',
  },
  { format: 'msft-public-ip-csv', file: 'msft-public-ips.csv', text: 'Prefix,Type\n', want: null, why: 'the CSV carries no date' },
  { format: 'text', file: 'mine_20250101.json', text: '', want: null, why: 'only Azure dates by name' },
];

t.test('publishedOf', async (t) => {
  for (const r of rows) t.equal(publishedOf(r.format, r.text, r.file), r.want, r.why);
});

t.test('readiness: a snapshot list turns stale at its staleAt, without a reload', async (t) => {
  const list = {
    name: 'azure',
    format: 'azure-service-tags',
    state: 'loaded',
    source: 'snapshot',
    loadedAt: '2026-01-01T00:00:00.000Z',
    required: false,
    stale: false,
    staleAt: '2026-02-01T00:00:00.000Z',
  } as unknown as LoadedList;
  const set = { lists: [list] } as unknown as ListSet;
  t.match(readinessOf(set, [], Date.parse('2026-01-15T00:00:00Z')), { status: 'ready', stale: [] });
  t.match(readinessOf(set, [], Date.parse('2026-02-02T00:00:00Z')), { status: 'degraded', stale: ['azure'], message: /serving old data \(stale: azure\)/ });
});
