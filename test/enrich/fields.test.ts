// Field paths: nested objects, flattened dotted keys, and mixes of both.
import t from 'tap';
import { FieldPath } from '../../src/enrich/index.js';

const rows: Array<{ path: string; event: unknown; want: unknown; why: string }> = [
  { path: 'destination.ip', event: { destination: { ip: '1.2.3.4' } }, want: '1.2.3.4', why: 'nested' },
  { path: 'destination.ip', event: { 'destination.ip': '1.2.3.4' }, want: '1.2.3.4', why: 'flattened key' },
  { path: 'winlog.event_data.DestinationIp', event: { winlog: { 'event_data.DestinationIp': '5.6.7.8' } }, want: '5.6.7.8', why: 'partly flattened' },
  { path: 'winlog.event_data.DestinationIp', event: { 'winlog.event_data': { DestinationIp: '5.6.7.8' } }, want: '5.6.7.8', why: 'flattened parent' },
  {
    path: 'destination.ip',
    event: { destination: { port: 1 }, 'destination.ip': '9.9.9.9' },
    want: '9.9.9.9',
    why: 'nested parent without the leaf, flattened key present',
  },
  { path: 'destination.ip', event: { destination: '1.2.3.4' }, want: undefined, why: 'a string is not a parent' },
  { path: 'a.b', event: null, want: undefined, why: 'null event' },
  { path: 'a.b', event: [{ b: 1 }], want: undefined, why: 'arrays are not walked by index names' },
  { path: 'toString', event: {}, want: undefined, why: 'inherited properties are not fields' },
  { path: '__proto__.polluted', event: JSON.parse('{"__proto__": {"polluted": "x"}}'), want: 'x', why: 'an own __proto__ key from JSON is just data' },
  { path: 'ip', event: { ip: 0 }, want: 0, why: 'falsy values are found' },
];

t.test('FieldPath.get', async (t) => {
  for (const r of rows) t.same(new FieldPath(r.path).get(r.event), r.want, r.why);
});

t.test('sibling paths', async (t) => {
  const p = new FieldPath('winlog.event_data.DestinationIp');
  t.equal(p.sibling('SourceIp').path, 'winlog.event_data.SourceIp');
  t.equal(new FieldPath('DestinationIp').sibling('Initiated').path, 'Initiated');
});
