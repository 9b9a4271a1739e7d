// Owners from MaxMind-format files: a GeoLite2-ASN and a -Country shaped file, written here, read through the config's owners.mmdb.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataWriter, Uint, type DataValue } from '../../src/export/mmdb/data.js';
import { TreeBuilder } from '../../src/export/mmdb/tree.js';
import { loadOwners } from '../../src/lists/index.js';
import { mustParseAddr } from '../../src/net/index.js';

/** A small IPv6-tree MMDB: IPv4 prefixes at ::a.b.c.d/96+n, as MaxMind's own files place them. */
function mmdb(databaseType: string, rows: Array<[string, number, DataValue]>): Buffer {
  const data = new DataWriter();
  const tree = new TreeBuilder();
  for (const [addr, bits, record] of rows) {
    const a = mustParseAddr(addr);
    const off = data.add(record);
    if (a.version === 4) tree.insert([0, 0, 0, a.w0], 96 + bits, off);
    else tree.insert([a.w0, a.w1, a.w2, a.w3], bits, off);
  }
  const section = data.bytes();
  const { bytes, nodeCount, recordSize } = tree.serialise(section.length);
  const meta = new DataWriter({ dedupe: false });
  meta.add({
    binary_format_major_version: new Uint(16, 2n),
    binary_format_minor_version: new Uint(16, 0n),
    build_epoch: new Uint(64, 1_750_000_000n),
    database_type: databaseType,
    description: { en: 'test' },
    ip_version: new Uint(16, 6n),
    languages: ['en'],
    node_count: new Uint(32, BigInt(nodeCount)),
    record_size: new Uint(16, BigInt(recordSize)),
  });
  return Buffer.concat([bytes, Buffer.alloc(16), section, Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]), meta.bytes()]);
}

t.test('owners.mmdb: AS from an ASN file, country from a Country file, interned', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-mmdb-owners-'));
  const asn = join(dir, 'GeoLite2-ASN.mmdb');
  const cc = join(dir, 'GeoLite2-Country.mmdb');
  writeFileSync(
    asn,
    mmdb('GeoLite2-ASN', [
      ['13.64.0.0', 10, { autonomous_system_number: new Uint(32, 8075n), autonomous_system_organization: 'MICROSOFT-CORP-MSN-AS-BLOCK' }],
      ['8.8.8.0', 24, { autonomous_system_number: new Uint(32, 15169n), autonomous_system_organization: 'GOOGLE' }],
      ['2001:4860::', 32, { autonomous_system_number: new Uint(32, 15169n), autonomous_system_organization: 'GOOGLE' }],
    ]),
  );
  writeFileSync(
    cc,
    mmdb('GeoLite2-Country', [
      ['13.64.0.0', 10, { country: { iso_code: 'US' } }],
      ['9.9.9.0', 24, { registered_country: { iso_code: 'CH' } }],
    ]),
  );
  const loaded = await loadOwners({ enabled: true, asn: [], country: [], cacheDir: null, mmdb: [asn, cc] });
  t.equal(loaded.info.state, 'loaded');
  t.match(
    loaded.info.sources.map((s) => s.name),
    [/^GeoLite2-ASN \(2025-06-15\)$/, /^GeoLite2-Country/],
  );
  const o = loaded.table!;
  t.same(o.ownerOf(mustParseAddr('13.107.4.50')), { asn: 8075, org: 'MICROSOFT-CORP-MSN-AS-BLOCK', country: 'US' });
  t.same(o.ownerOf(mustParseAddr('8.8.8.8')), { asn: 15169, org: 'GOOGLE' });
  t.same(o.ownerOf(mustParseAddr('9.9.9.9')), { country: 'CH' }, 'registered_country where country is absent');
  t.same(o.ownerOf(mustParseAddr('2001:4860:4860::8888')), { asn: 15169, org: 'GOOGLE' });
  t.equal(o.ownerOf(mustParseAddr('1.1.1.1')), undefined);
  t.equal(o.find(mustParseAddr('8.8.8.8')), o.find(mustParseAddr('8.8.8.9')), 'one record per owner');
  t.equal(o.find(mustParseAddr('8.8.8.8'))!.json, ',"owner":{"asn":15169,"org":"GOOGLE"}');

  writeFileSync(join(dir, 'bad.mmdb'), 'not a database');
  const bad = await loadOwners({ enabled: true, asn: [], country: [], cacheDir: null, mmdb: [join(dir, 'bad.mmdb')] });
  t.equal(bad.info.state, 'failed');
  t.match(bad.info.error, /bad\.mmdb: not a MaxMind DB/);
});
