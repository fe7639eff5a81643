// Opens a newsprism report.html in headless Chromium (Debian's `chromium`, driven by
// playwright-core) and prints what a reader would meet, as JSON on stdout: console errors,
// network requests, each section's charts and their sizes, the heatmap's cells, what an
// attacker's strings became. Writes a full-page screenshot. tests/report_browser.rs runs it
// and asserts; .ci/run installs chromium and playwright-core when they are missing.
//
//     node tests/browser/check_report.mjs REPORT.html SCREENSHOT.png [top]
//
// `top` shoots the first 1,200 × 1,500 pixels instead of the whole page (docs/report.png).
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// playwright-core lives where .ci/run installed it (NODE_PATH), not in the repository
const { chromium } = require('playwright-core');

const [, , report, screenshot, part] = process.argv;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const consoleErrors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const url = 'file://' + path.resolve(report);
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url, { waitUntil: 'load' });
  const found = await page.evaluate(() => {
    const sections = {};
    for (const s of document.querySelectorAll('section.section')) {
      const charts = [...s.querySelectorAll('svg.chart, table')].map((c) => {
        const box = c.getBoundingClientRect();
        return { kind: c.getAttribute('class') || c.tagName, width: box.width, height: box.height };
      });
      sections[s.id] = { charts, how: !!s.querySelector('p.how') };
    }
    const heatmap = document.querySelector('svg.heatmap');
    const attributes = [...document.querySelectorAll('*')]
      .flatMap((e) => [...e.attributes].map((a) => a.name))
      .filter((n) => n.startsWith('on'));
    return {
      title: document.title,
      sections,
      heatmap: heatmap && {
        groups: Number(heatmap.dataset.groups),
        topics: Number(heatmap.dataset.topics),
        cells: heatmap.querySelectorAll('g.cell').length,
      },
      scripts: document.querySelectorAll('script').length,
      eventAttributes: attributes,
      links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      text: document.body.innerText,
    };
  });
  if (part === 'top') {
    await page.screenshot({ path: screenshot, clip: { x: 0, y: 0, width: 1200, height: 1500 }, fullPage: true });
  } else {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log(JSON.stringify({ consoleErrors, requests, ...found }));
} finally {
  await browser.close();
}
