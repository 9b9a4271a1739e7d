// mergeMetrics: the expositions of several workers as one; counters and histograms summed, gauges summed or the max as documented.
import t from 'tap';
import { mergeMetrics } from '../../src/http/index.js';

const worker = (requests: number, bucket: number, age: number, open: number) =>
  [
    '# HELP ipdest_http_requests_total HTTP requests',
    '# TYPE ipdest_http_requests_total counter',
    `ipdest_http_requests_total{route="/lookup/:ip",method="GET",status="200"} ${requests}`,
    '# HELP ipdest_list_age_seconds Seconds since read',
    '# TYPE ipdest_list_age_seconds gauge',
    `ipdest_list_age_seconds{list="mine"} ${age}`,
    '# HELP ipdest_connections_open Open',
    '# TYPE ipdest_connections_open gauge',
    `ipdest_connections_open ${open}`,
    '# HELP ipdest_http_request_duration_seconds latency',
    '# TYPE ipdest_http_request_duration_seconds histogram',
    `ipdest_http_request_duration_seconds_bucket{le="0.001",route="/lookup/:ip"} ${bucket}`,
    `ipdest_http_request_duration_seconds_bucket{le="+Inf",route="/lookup/:ip"} ${requests}`,
    `ipdest_http_request_duration_seconds_sum{route="/lookup/:ip"} 0.5`,
    `ipdest_http_request_duration_seconds_count{route="/lookup/:ip"} ${requests}`,
    '',
  ].join('\n');

t.test('counters and histograms summed, list gauges the max, connections summed; each family once', async (t) => {
  const text = mergeMetrics([worker(3, 2, 10, 1), worker(4, 1, 12, 2)], '# TYPE ipdest_workers gauge\nipdest_workers 2\n');
  t.match(text, /^ipdest_http_requests_total\{route="\/lookup\/:ip",method="GET",status="200"\} 7$/m);
  t.match(text, /^ipdest_http_request_duration_seconds_bucket\{le="0.001",route="\/lookup\/:ip"\} 3$/m);
  t.match(text, /^ipdest_http_request_duration_seconds_count\{route="\/lookup\/:ip"\} 7$/m);
  t.match(text, /^ipdest_http_request_duration_seconds_sum\{route="\/lookup\/:ip"\} 1$/m);
  t.match(text, /^ipdest_list_age_seconds\{list="mine"\} 12$/m);
  t.match(text, /^ipdest_connections_open 3$/m);
  t.match(text, /^ipdest_workers 2$/m);
  t.equal(text.match(/^# TYPE ipdest_http_requests_total counter$/gm)?.length, 1);
  t.equal(text.match(/^# HELP /gm)?.length, 4);
});

t.test('a series only one worker has is kept; one text is returned as it was', async (t) => {
  const one = worker(1, 1, 1, 1);
  t.equal(mergeMetrics([one]), one);
  const text = mergeMetrics([one, '# HELP x_total X\n# TYPE x_total counter\nx_total{a="1"} 5\n']);
  t.match(text, /^x_total\{a="1"\} 5$/m);
});
