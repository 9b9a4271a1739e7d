// Makes the README's picture of the HTML audit report, docs/images/audit-report.png: `ipdest audit`
// over real Sysmon, iptables and Zeek files of ../shared/data, against a baseline of one day's files,
// rendered in Debian's headless Chromium (playwright-core) 1280 px wide, from the top down to the charts.
//
//   node --import tsx scripts/audit-screenshot.ts [--data DIR] [--out FILE] [--chromium PATH]
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { main } from '../src/cli/main.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(ROOT, '..', 'shared', 'data') },
    out: { type: 'string', default: resolve(ROOT, 'docs', 'images', 'audit-report.png') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const WIDTH = 1280;
const MAX_HEIGHT = 2400;
// Paths relative to the data folder, as the report shows them.
const BASELINE_FILES = ['sysmon/winlogbeat7-ecs-eid3.ndjson', 'iptables/elastic-beats-iptables.log'];
const FILES = [
  'sysmon/nxlog-flat-eid3.ndjson',
  'sysmon/winlogbeat7-ecs-eid3.ndjson',
  'sysmon/winlogbeat8-eid3.ndjson',
  'iptables/crowdsec-hub-iptables-logs.log',
  'iptables/elastic-beats-iptables.log',
  'zeek/rita-open_conns-closed-conn.log',
];

async function audit(args: string[]): Promise<void> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c) => (err += c));
  const code = await main(['audit', '-c', resolve(ROOT, 'config', 'ipdest.yaml'), ...args], { stdin: process.stdin, stdout: process.stdout, stderr });
  if (code !== 0) throw new Error(`ipdest audit ${args.join(' ')}: exit ${code}\n${err}`);
}

const data = resolve(values.data);
for (const f of FILES) if (!existsSync(join(data, f))) throw new Error(`${join(data, f)}: absent (real public data, ../shared/data beside the project)`);
if (!existsSync(values.chromium)) throw new Error(`${values.chromium}: absent (apt-get install chromium)`);
const out = resolve(values.out);
const dir = mkdtempSync(join(tmpdir(), 'ipdest-screenshot-'));
const here = process.cwd();
process.chdir(data);
try {
  const baseline = join(dir, 'baseline.json');
  await audit(['--format', 'json', '--save-baseline', baseline, '--out', join(dir, 'day1.json'), ...BASELINE_FILES]);
  const html = join(dir, 'report.html');
  await audit(['--format', 'html', '--top', '6', '--baseline', baseline, '--out', html, ...FILES]);

  const browser = await chromium.launch({
    executablePath: values.chromium,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const foreign = requests.filter((u) => !/^(file:|about:|data:)/.test(u));
    if (foreign.length > 0) throw new Error(`the report made requests: ${foreign.join(' ')}`);
    // Down to the end of the charts: the new, the unexplained and the charts, which is what the report is for.
    const charts = await page.locator('section#charts').boundingBox();
    const full = Number(await page.evaluate('document.documentElement.scrollHeight'));
    const height = Math.min(MAX_HEIGHT, full, charts === null ? full : Math.ceil(charts.y + charts.height + 24));
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height } });
    process.chdir(here);
    console.log(`${out}: ${WIDTH}x${height}, ${statSync(out).size} bytes`);
  } finally {
    await browser.close();
  }
} finally {
  process.chdir(here);
  rmSync(dir, { recursive: true, force: true });
}
