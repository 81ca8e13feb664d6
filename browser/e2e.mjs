// The browser end-to-end test of countersign's web UI (issue 5): Debian's
// Chromium, headless, driven by playwright-core, against two real
// `countersign serve` nodes that the Rust test
// crates/countersign/tests/cli/browser.rs starts and describes in the
// environment. It files a notification with a STIX evidence file on node A
// to a party on node B, waits for the delivery, replies with findings on
// B, rates the reply on A, checks that the dashboard's scorecard changed,
// then opens the HTML report (`countersign report --html`) and checks its
// charts. Every page must load without a Content-Security-Policy
// violation. On failure it saves a screenshot and the page's HTML in
// CS_ARTIFACTS and exits 1; it never downloads a browser.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function env(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`e2e: environment variable ${name} is not set (run it through the Rust test crates/countersign/tests/cli/browser.rs)`);
    process.exit(2);
  }
  return v;
}

const A = { url: env('CS_A_URL'), user: env('CS_A_USER'), password: env('CS_A_PASSWORD'), party: env('CS_A_PARTY') };
const B = { url: env('CS_B_URL'), user: env('CS_B_USER'), password: env('CS_B_PASSWORD'), party: env('CS_B_PARTY') };
const evidenceFile = env('CS_EVIDENCE_FILE');
const replyEvidenceFile = env('CS_REPLY_EVIDENCE_FILE');
const bin = env('CS_BIN');
const aData = env('CS_A_DATA');
const artifacts = env('CS_ARTIFACTS');
const chromiumPath = process.env.COUNTERSIGN_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 15_000;
const TOTAL_TIMEOUT = 90_000;

let step = 'start';
const started = Date.now();
function log(text) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
}
function begin(name) {
  step = name;
  log(`step: ${name}`);
}
function check(cond, message) {
  if (!cond) throw new Error(`${step}: ${message}`);
}

// Content-Security-Policy violations and page errors, by page URL.
const problems = [];

async function login(page, node) {
  await page.goto(`${node.url}/login`);
  await page.fill('#username', node.user);
  await page.fill('#password', node.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main button[type=submit]')]);
  check((await page.locator('header.top .who').textContent()).includes(node.user), `not logged in as ${node.user}`);
}

/** Reloads `url` until `selector` matches, up to `ms`. */
async function waitFor(page, url, selector, ms = STEP_TIMEOUT) {
  const until = Date.now() + ms;
  for (;;) {
    await page.goto(url);
    if ((await page.locator(selector).count()) > 0) return;
    if (Date.now() > until) throw new Error(`${step}: ${selector} did not appear on ${url} within ${ms} ms`);
    await page.waitForTimeout(250);
  }
}

/** The figure of one scorecard cell, or 0 without a row for the counterpart. */
async function metric(page, counterpart, direction, name) {
  const cell = page.locator(`#scorecards tr[data-counterpart="${counterpart}"][data-direction="${direction}"] td[data-metric="${name}"]`);
  if ((await cell.count()) === 0) return 0;
  return Number((await cell.first().textContent()).trim());
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-chromium-'));
let context;
let page;
const timer = setTimeout(async () => {
  console.error(`e2e: still running after ${TOTAL_TIMEOUT} ms, at step ${step}`);
  await saveFailure().catch(() => {});
  process.exit(1);
}, TOTAL_TIMEOUT);

async function saveFailure() {
  if (!page) return;
  fs.mkdirSync(artifacts, { recursive: true });
  const base = path.join(artifacts, `failure-${step.replace(/[^a-z0-9]+/gi, '-')}`);
  await page.screenshot({ path: `${base}.png`, fullPage: true });
  fs.writeFileSync(`${base}.html`, await page.content());
  console.error(`e2e: screenshot and HTML of ${page.url()} saved as ${base}.png/.html`);
}

// Screenshots of an earlier failed run would mislead.
fs.mkdirSync(artifacts, { recursive: true });
for (const f of fs.readdirSync(artifacts)) {
  if (f.startsWith('failure-')) fs.rmSync(path.join(artifacts, f));
}

try {
  begin('launch Chromium');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
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
  context.setDefaultTimeout(STEP_TIMEOUT);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    // The browser asks for /favicon.ico on its own; there is none.
    if (m.type() === 'error' && !(m.location().url || '').endsWith('/favicon.ico')) {
      problems.push(`${page.url()}: ${m.text()} (${m.location().url})`);
    }
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));

  begin('log in on A, scorecard before');
  await login(page, A);
  await page.goto(`${A.url}/dashboard`);
  check((await page.locator('h1').first().textContent()).includes('Dashboard'), 'no dashboard heading');
  const sentBefore = await metric(page, B.party, 'out', 'sent');
  const substantiveBefore = await metric(page, B.party, 'out', 'substantive');
  log(`scorecard ${A.party} -> ${B.party} before: sent ${sentBefore}, substantive ${substantiveBefore}`);

  begin('file a notification with an evidence file on A');
  await page.click('nav a[href="/notifications/new"]');
  await page.check(`#to-${B.party}`);
  const title = `Brute force from your network ${Date.now()}`;
  await page.fill('#title', title);
  await page.fill('#summary', 'SSH brute force against our health sector, see the evidence.');
  await page.selectOption('#category', 'intrusion-attempts/brute-force');
  await page.selectOption('#severity', 'high');
  await page.selectOption('#sectors', 'nis2:health');
  await page.setInputFiles('#evidence_file', evidenceFile);
  await Promise.all([page.waitForURL(/\/notifications\/[0-9a-f]{64}$/), page.click('form.notify button[type=submit]')]);
  const id = page.url().split('/').pop();
  log(`filed ${id}`);
  check((await page.locator('h1').first().textContent()) === title, 'the detail page shows another title');
  check((await page.locator('caption', { hasText: 'Indicators' }).count()) === 1, 'the evidence file is not shown as STIX tables');
  check((await page.locator('#deadlines ~ dl .badge.protected').count()) === 1, 'the health sector is not flagged as protected');

  begin('wait for delivery to B');
  await waitFor(page, `${A.url}/notifications/${id}`, '#timeline li[data-kind="delivered"]');
  // The notification's own event now shows the verified receipt.
  await waitFor(page, `${A.url}/notifications/${id}`, '#timeline li[data-kind="sent"] .proof-receipt.proof');
  check((await page.locator('#timeline li[data-kind="sent"] .proof-signed.proof').count()) === 1, 'the notification is not shown as signed');

  begin('log in on B, reply with findings');
  await login(page, B);
  await page.goto(`${B.url}/notifications/${id}`);
  check((await page.locator('h1').first().textContent()) === title, 'B does not show the notification');
  await page.selectOption('#reply-kind', 'findings');
  await page.fill('#reply-text', 'A compromised host in our network; cleaned and the account closed.');
  await page.setInputFiles('#reply-evidence', replyEvidenceFile);
  await Promise.all([page.waitForURL(/#replies$/), page.click('form.reply button[type=submit]')]);
  check((await page.locator('#replies article.reply').count()) === 1, 'the reply is not listed on B');

  begin('back on A: the reply arrives');
  await login(page, A);
  await waitFor(page, `${A.url}/notifications/${id}`, '#replies article.reply form.rate');
  const reply = page.locator('#replies article.reply').first();
  check((await reply.textContent()).includes('findings'), 'the reply is not shown as findings');

  begin('rate the reply: the proposal is substantive');
  const rate = reply.locator('form.rate');
  check((await rate.locator('select[name=quality]').inputValue()) === 'substantive', 'the proposed rating is not substantive');
  check((await rate.locator('.rule').count()) === 1, 'the proposal rule is not shown');
  await rate.locator('input[name=reason]').fill('Findings with evidence: answers the essence.');
  await Promise.all([page.waitForURL(/#replies$/), rate.locator('button[type=submit]').click()]);
  check((await page.locator('#timeline li[data-kind="rating"]').count()) === 1, 'no rating event in the timeline');
  check((await page.locator(`#lifecycle tr[data-recipient="${B.party}"] .q-badge-substantive`).count()) === 1, 'the obligation does not show the rating');
  await page.screenshot({ path: path.join(artifacts, 'notification.png'), fullPage: true });

  begin('the dashboard scorecard changed');
  await page.click('nav a[href="/dashboard"]');
  const sentAfter = await metric(page, B.party, 'out', 'sent');
  const substantiveAfter = await metric(page, B.party, 'out', 'substantive');
  log(`scorecard ${A.party} -> ${B.party} after: sent ${sentAfter}, substantive ${substantiveAfter}`);
  check(sentAfter === sentBefore + 1, `sent went from ${sentBefore} to ${sentAfter}`);
  check(substantiveAfter === substantiveBefore + 1, `substantive went from ${substantiveBefore} to ${substantiveAfter}`);
  // The quality chart has a substantive segment for B, with width.
  const bar = page.locator('#quality-chart svg rect[data-segment="substantive"]', { hasText: `${A.party} → ${B.party}` });
  check((await bar.count()) === 1, 'no substantive segment for the counterpart in the quality chart');
  check(Number(await bar.getAttribute('width')) > 0, 'the substantive segment has no width');
  check((await page.locator(`figure.chart[data-counterpart="${B.party}"][data-direction="out"] svg`).count()) === 1, 'no weekly chart for the counterpart');
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
  // The period selector is a GET form.
  await page.selectOption('#period', '7d');
  await Promise.all([page.waitForURL(/period=7d/), page.click('form.period button[type=submit]')]);
  check((await metric(page, B.party, 'out', 'sent')) === sentAfter, 'the 7-day period lost the new notification');

  begin('the HTML report shows the charts');
  const report = path.join(artifacts, 'report.html');
  fs.mkdirSync(artifacts, { recursive: true });
  execFileSync(bin, ['report', '--data', aData, '--html', report], { stdio: ['ignore', 'inherit', 'inherit'] });
  await page.goto(`file://${report}`);
  const svgs = await page.locator('svg').count();
  check(svgs >= 2, `the report has ${svgs} SVG charts`);
  const label = `${A.party} → ${B.party}`;
  check((await page.locator('svg text', { hasText: label }).count()) >= 1, `no chart label reads ${label}`);
  const reportBar = page.locator('svg rect[data-segment="substantive"]', { hasText: label });
  check((await reportBar.count()) === 1, 'the report has no substantive bar for the counterpart');
  check((await reportBar.boundingBox()).width > 0, 'the report\'s substantive bar is not drawn');
  check((await page.locator('svg rect[data-series="sent"]').count()) >= 1, 'the report has no weekly bars');
  await page.screenshot({ path: path.join(artifacts, 'report.png'), fullPage: true });

  check(problems.length === 0, `the browser reported errors:\n${problems.join('\n')}`);
  log('all steps passed');
  clearTimeout(timer);
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(0);
} catch (e) {
  console.error(`e2e: FAILED at step "${step}": ${e.stack || e}`);
  if (problems.length) console.error(`browser errors:\n${problems.join('\n')}`);
  await saveFailure().catch((err) => console.error(`e2e: no screenshot: ${err}`));
  clearTimeout(timer);
  await context?.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(1);
}
