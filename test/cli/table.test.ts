// Tables for terminals: control and bidi characters from the input are shown escaped, columns still line up.
import t from 'tap';
import { formatRow, StreamingTable, widthsOf } from '../../src/cli/table.js';
import { visible } from '../../src/cli/terminal.js';
import { runCli } from '../helpers/cli.js';

t.test('visible: what is escaped and how', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['plain', 'plain', 'printable ASCII untouched'],
    ['13.107.4.50', '13.107.4.50', 'an address untouched'],
    ['C:\\Windows\\x', 'C:\\Windows\\x', 'a backslash stays single'],
    ['Zürich 東京 😀', 'Zürich 東京 😀', 'letters and emoji untouched'],
    ['\x1b[31mred', '\\x1b[31mred', 'ESC (CSI colour)'],
    ['\x1b]0;title\x07', '\\x1b]0;title\\x07', 'OSC title with BEL'],
    ['a\rb', 'a\\x0db', 'CR (overwrites the line)'],
    ['a\nb\tc', 'a\\x0ab\\x09c', 'LF and TAB'],
    ['\x00\x08\x7f', '\\x00\\x08\\x7f', 'NUL, BS, DEL'],
    ['\x9b31m', '\\x9b31m', 'C1 CSI'],
    ['\x85\x9f', '\\x85\\x9f', 'C1 NEL and the last C1'],
    ['invoice\u202efdp.exe', 'invoice\\u202efdp.exe', 'RIGHT-TO-LEFT OVERRIDE'],
    ['\u202a\u202b\u202c\u202d', '\\u202a\\u202b\\u202c\\u202d', 'embeddings and pop'],
    ['\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069', 'isolates'],
    ['\u200e\u200f\u061c', '\\u200e\\u200f\\u061c', 'direction marks'],
    ['a\u2028b\u2029', 'a\\u2028b\\u2029', 'line and paragraph separators'],
  ];
  for (const [input, want, what] of cases) t.equal(visible(input), want, what);
});

t.test('formatRow and widthsOf escape cells and size columns by what is shown', async (t) => {
  const rows = [
    ['IP', 'TAG'],
    ['\x1b[2J', 'x'],
    ['1.2.3.4', 'y'],
  ];
  const widths = widthsOf(rows);
  t.same(widths, [7, 3]);
  const lines = rows.map((r) => formatRow(r, widths));
  t.same(lines, ['IP       TAG', '\\x1b[2J  x', '1.2.3.4  y']);
  t.notOk(lines.join('').includes('\x1b'), 'no raw ESC');
});

t.test('StreamingTable: cells after the first block are escaped too', async (t) => {
  let text = '';
  const table = new StreamingTable(
    ['A', 'B'],
    (s) => {
      text += s;
    },
    2,
  );
  table.push(['1', 'ok']);
  table.push(['2', 'ok']);
  table.push(['\u202e3', '\x1b[0m']);
  table.end();
  t.equal(text, 'A  B\n1  ok\n2  ok\n\\u202e3  \\x1b[0m\n');
});

t.test('lookup: hostile arguments and stdin lines reach the terminal escaped; JSON stays data', async (t) => {
  const hostile = ['\x1b[31mx', 'a\u202eb', '\x9b2J', 'x\ry'];
  const table = await runCli(['lookup', '-c', '/dev/null', ...hostile]);
  t.equal(table.code, 1, 'none is an address');
  t.notMatch(table.out, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/, 'no control or bidi character but the line ends');
  t.match(table.out, /^\\x1b\[31mx\s+INVALID_ADDRESS/m);
  t.match(table.out, /^a\\u202eb\s+INVALID_ADDRESS/m);
  t.match(table.out, /^\\x9b2J\s+INVALID_ADDRESS/m);
  t.match(table.out, /^x\\x0dy\s+INVALID_ADDRESS/m);

  const fromStdin = await runCli(['lookup', '-c', '/dev/null'], '\x1b]0;pwned\x07\n');
  t.match(fromStdin.out, /^\\x1b\]0;pwned\\x07\s+INVALID_ADDRESS/m);

  const json = await runCli(['lookup', '-c', '/dev/null', '--json', ...hostile]);
  const results = json.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(
    results.map((r) => r.input),
    hostile,
    'JSON keeps the input as it was',
  );
  t.ok(json.out.includes('\\u001b[31mx'), 'JSON.stringify escapes C0 itself');
});
