// toPort and toProtocol, read on every record, against their definitions written here as regular expressions and lookups.
import t from 'tap';
import fc from 'fast-check';
import { toPort, toProtocol } from '../../src/enrich/context.js';

const NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6', '47': 'gre', '50': 'esp', '51': 'ah', '132': 'sctp' };

function portOracle(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

function protocolOracle(v: unknown): string | undefined {
  if (typeof v === 'number') return NUMBERS[String(v)];
  if (typeof v !== 'string' || v === '' || (v.startsWith('%{') && v.endsWith('}'))) return undefined;
  return Object.hasOwn(NUMBERS, v) ? NUMBERS[v] : v.toLowerCase();
}

const digits = fc.string({ unit: fc.constantFrom('0', '1', '4', '5', '6', '9'), maxLength: 7 });
const near = fc.string({ unit: fc.constantFrom('0', '9', '/', ':', ' ', 'x', 'e', '-', '+', '.', '٣'), maxLength: 6 });
const value = fc.oneof(digits, near, fc.string(), fc.integer({ min: -5, max: 70000 }), fc.double(), fc.constant(undefined), fc.constant(null));

t.test('toPort: as the definition, on digits, near-digits, any text and numbers', async (t) => {
  fc.assert(
    fc.property(value, (v) => toPort(v) === portOracle(v)),
    { numRuns: 5000 },
  );
  const cases: [unknown, number | undefined][] = [
    ['443', 443],
    ['00443', 443],
    ['65535', 65535],
    ['65536', undefined],
    ['0', 0],
    ['', undefined],
    ['123456', undefined],
    [' 443', undefined],
    ['0x1bb', undefined],
    ['1e2', undefined],
    ['４４３', undefined],
    [443, 443],
    [44.5, undefined],
  ];
  for (const [v, want] of cases) t.equal(toPort(v), want, JSON.stringify(v));
});

t.test('toProtocol: as the definition, netfilter names included', async (t) => {
  const names = fc.constantFrom('TCP', 'UDP', 'ICMP', 'tcp', 'udp', 'Tcp', 'ICMPv6', '6', '17', '1', '%{[network][transport]}', '');
  fc.assert(
    fc.property(fc.oneof(names, fc.string(), fc.integer({ min: 0, max: 200 })), (v) => toProtocol(v) === protocolOracle(v)),
    { numRuns: 5000 },
  );
  for (const [v, want] of [
    ['TCP', 'tcp'],
    ['UDP', 'udp'],
    ['ICMP', 'icmp'],
    ['udp', 'udp'],
    ['SCTP', 'sctp'],
    ['17', 'udp'],
    [6, 'tcp'],
    ['', undefined],
  ] as const)
    t.equal(toProtocol(v), want, String(v));
});
