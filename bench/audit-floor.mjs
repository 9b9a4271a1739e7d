// A floor for the audit bench: a bare loop that finds DST and DPT in each line of a netfilter log and counts the pairs in a Map, and does nothing else (no time, host, lists or report).
import { openSync, readSync } from 'node:fs';

function valueAt(line, i) {
  const end = line.indexOf(' ', i);
  return line.slice(i, end < 0 ? line.length : end);
}

const fd = openSync(process.argv[2]);
const buf = Buffer.allocUnsafe(1 << 20);
const counts = new Map();
let carry = 0;
for (;;) {
  const n = readSync(fd, buf, carry, buf.length - carry, null);
  if (n === 0) break;
  const end = carry + n;
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl >= 0 && nl < end; nl = buf.indexOf(10, start)) {
    const line = buf.latin1Slice(start, nl);
    const d = line.indexOf(' DST=');
    if (d >= 0) {
      const p = line.indexOf(' DPT=', d);
      const key = valueAt(line, d + 5) + (p >= 0 ? ' ' + valueAt(line, p + 5) : '');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    start = nl + 1;
  }
  buf.copy(buf, 0, start, end);
  carry = end - start;
}
process.stdout.write(`${counts.size}\n`);
