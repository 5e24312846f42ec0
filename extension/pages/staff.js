// The staff page: what protects this device (group, where the policy came from, the last error,
// lists, native rules, measured timings) and the same policy tester as the demo page, on the
// live policy. The tester's modules are the demo page's own (`shared-ui/tester/`, copied into
// `tester/` by scripts/copy-shared-ui.sh), so there is one tester, not two.
//
// Nothing here can change the policy or turn filtering off; the one button re-reads the policy
// the Admin console set and fetches the lists again.

import init, * as pkg from '../pkg/schoolgate.js';
import { setupTester } from '../tester/tester.js';
import { renderTesterMarkup } from '../tester/markup.js';
import { describeEngine, builtinPolicyText } from '../tester/engine.js';
import { loadMessages } from '../ui/i18n.js';
import * as idb from '../sw/idb.js';
import { ask } from './page-address.js';
import { setupReports } from './staff-reports.js';
import { describeHubPolicy } from '../sw/policy-bundle.js';

/** @type {(id: string) => any} the page's own elements, by id (staff.html) */
/** @type {(id: string) => any} the page's own elements, by id (staff.html) */
const $ = (id) => document.getElementById(id);
const app = { pkg: null, engine: null, builtinPolicyText: null, messages: null, locale: 'en_GB' };
let tester = null;
let appliedAt = null;
/** The staff code typed on this page (kept in memory only), for the reports section. */
let staffCode = '';

function rows(dl, pairs) {
  const out = [];
  for (const [term, value] of pairs) {
    if (value == null || value === '') continue;
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    if (value instanceof Node) dd.append(value);
    else dd.textContent = String(value);
    out.push(dt, dd);
  }
  dl.replaceChildren(...out);
}

const ms = (v) => (v == null ? null : `${Number(v).toFixed(v < 10 ? 2 : 0)} ms`);
const when = (t) => (t ? new Date(t).toLocaleString('en-GB') : null);

function showStatus(s) {
  const st = s.status;
  const group = s.group ? `${s.group.label} (${s.group.name})` : 'none';
  const unmanaged = st.source === 'unmanaged';
  $('unmanaged-note').hidden = !st.note;
  $('unmanaged-note').textContent = st.note ?? '';
  const hub = describeHubPolicy(s.hubPolicy, when);
  rows($('policy-facts'), [
    ['Protecting as', group],
    ['Policy version', unmanaged ? null : hub.inForce],
    ['Last policy refused from the hub', hub.refusal],
    ['Policy', unmanaged ? 'The built-in policy (no managed policy)' : (s.policyToml ? `The school's policy: ${s.schoolName}` : 'The built-in policy, with the Admin console\'s settings')],
    ['Where it came from', st.source],
    ['In force since', when(s.appliedAt)],
    ['How this browser runs Schoolgate', st.mode],
    ['Staff code', s.staffUnlock ? 'set in the Admin console' : 'not set: the safeguarding reports below cannot be opened on this device'],
    ['Report endpoint', s.reportEndpoint],
    ['Extension version', s.version],
  ]);
  const err = $('last-error');
  if (st.lastError || st.managedProblems?.length || st.alarms?.length || st.kept?.length) {
    const parts = [];
    // Locked illegal-content lists first: misconfigured or never loaded is an alarm.
    for (const alarm of st.alarms ?? []) {
      const p = document.createElement('p');
      p.className = 'alarm';
      p.textContent = `ALARM: ${alarm}`;
      parts.push(p);
    }
    if (st.lastError) {
      const p = document.createElement('p');
      p.textContent = `${st.lastError.message} (${when(st.lastError.at)}). The last good policy stays in force.`;
      parts.push(p);
      if (st.lastError.issues?.length) {
        const ul = document.createElement('ul');
        ul.className = 'issues';
        for (const i of st.lastError.issues) {
          const li = document.createElement('li');
          li.textContent = `line ${i.line}, column ${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
          ul.append(li);
        }
        parts.push(ul);
      }
    }
    for (const problem of st.managedProblems ?? []) {
      const p = document.createElement('p');
      p.textContent = `Admin console setting: ${problem}`;
      parts.push(p);
    }
    for (const kept of st.kept ?? []) {
      const p = document.createElement('p');
      p.textContent = `Kept in force: ${kept}.`;
      parts.push(p);
    }
    err.replaceChildren(...parts);
    err.hidden = false;
  } else {
    err.hidden = true;
  }
  const lists = st.lists ?? [];
  if (!lists.length) {
    $('lists').textContent = 'Only the built-in starter lists (no list sources set in the Admin console).';
  } else {
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const h of ['List', 'Category', 'Entries', 'Rejected lines', 'Fetched', 'Problem']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    for (const l of lists) {
      const r = body.insertRow();
      for (const v of [l.name ?? l.url, `${l.category}${l.locked ? ' (locked)' : ''}`, l.entries, l.rejected, `${when(l.fetchedAt) ?? 'never'}${l.fromCache ? ' (cached copy)' : ''}`, l.error ?? '']) {
        r.insertCell().textContent = String(v ?? '');
      }
    }
    $('lists').replaceChildren(table);
  }
  const d = st.dnr;
  rows($('dnr-facts'), [
    ['Rules installed', d.rules],
    ['Domains in them', d.domains],
    ['Address prefixes in them', d.prefixes ? `${d.prefixes}${d.prefixesSkipped ? ` (${d.prefixesSkipped} more are judged by the engine only)` : ''}` : null],
    ['Categories blocked right now', d.blockedCategories?.join(', ') || 'none'],
    ['Next time-window change', d.nextChange ? when(d.nextChange * 1000) : 'none'],
    ['Last updated', d.at ? `${when(d.at)} (${d.reason}, ${ms(d.ms)}, ${d.added ?? 0} rules added, ${d.removed ?? 0} removed)` : null],
    ['Problem', d.error],
  ]);
  const su = s.startup;
  rows($('timing-facts'), [
    ['Engine start (decode, instantiate, built-in engine)', su.error ? su.error : `${ms(su.totalMs)} (${ms(su.decodeMs)}, ${ms(su.instantiateMs)}, ${ms(su.builtinMs)})`],
    ['Built-in lists', su.builtinListsSeeded ? 'compiled by the build' : `compiled at start${su.seedError ? ` (the build's copy was refused: ${su.seedError})` : ''}`],
    ['Worker start to engine ready', ms(su.sinceWorkerStartMs)],
    ['Saved policy loaded in', ms(st.timings.stateLoadMs)],
    ['Last policy applied in', st.timings.lastApplyMs != null ? `${ms(st.timings.lastApplyMs)} (${st.timings.lastApplyReason})` : null],
    ['Decisions since the worker started', s.decisions.count],
    ['Decision time (median, 95th percentile)', s.decisions.n ? `${ms(s.decisions.p50)}, ${ms(s.decisions.p95)}` : null],
    ['Held on "checking…" at wake', s.decisions.heldAtWake || null],
    ['Worker kept running (managed devices only)', s.keepAlive?.enabled ? `yes: ${s.keepAlive.beats} heartbeats, the last ${s.keepAlive.lastBeatAt ? when(s.keepAlive.lastBeatAt) : 'pending'}` : 'no: Chrome stops it when idle'],
  ]);
  showFailures(s.failures ?? []);
  $('policy-text').textContent = s.policyToml ?? app.builtinPolicyText;
}

/** The worker's fault log (sw/failures.js), newest first. */
function showFailures(failures) {
  $('failures-none').hidden = failures.length > 0;
  $('failures').replaceChildren(...failures.slice().reverse().map((f) => {
    const li = document.createElement('li');
    li.textContent = `${when(f.at)}: ${f.where}: ${f.message}`;
    return li;
  }));
}

/** The engine the worker uses, rebuilt here from the same saved state. */
async function liveEngine() {
  const saved = await idb.get('lastGood').catch(() => null);
  if (!saved || (!saved.policyToml && !saved.lists?.length)) return { sg: new pkg.Schoolgate(), custom: false, listCount: 0 };
  const rulesets = (await idb.getMany(saved.lists.map((l) => `ruleset:${l.key}`))).filter(Boolean);
  const sg = pkg.Schoolgate.fromPolicy(saved.policyToml ?? pkg.defaultPolicyToml(), rulesets);
  return { sg, custom: Boolean(saved.policyToml), listCount: rulesets.length };
}

async function refreshEngine() {
  const { sg, custom, listCount } = await liveEngine();
  const old = app.engine?.sg;
  app.engine = describeEngine(pkg, sg, { custom, listCount });
  const note = $('policy-in-use');
  note.textContent = custom ? `Testing with this device's policy: ${app.engine.schoolName}, with ${listCount} list${listCount === 1 ? '' : 's'}.` : 'Testing with the built-in policy, as this device uses it.';
  tester?.rerun();
  if (old && old !== sg) old.free();
}

async function poll() {
  try {
    const s = await ask({ type: 'status' });
    showStatus(s);
    if (s.appliedAt !== appliedAt) {
      appliedAt = s.appliedAt;
      await refreshEngine();
    }
    $('engine-status').textContent = 'Connected to the filter.';
    document.documentElement.dataset.ready = 'true';
    return s;
  } catch (error) {
    $('engine-status').textContent = `The filter does not answer: ${error.message}`;
    return null;
  }
}

async function unlockIfNeeded(status) {
  if (!status?.staffUnlock || sessionStorage.getItem('sg-staff') === 'yes') return true;
  $('unlock').hidden = false;
  return new Promise((resolve) => {
    $('unlock-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      // Checked by the worker (salted and slow, guessing slowed down): this page never sees the hash.
      const answer = await ask({ type: 'staff-unlock', code: $('unlock-code').value }).catch((error) => ({ ok: false, error: error.message }));
      if (answer.ok) {
        sessionStorage.setItem('sg-staff', 'yes');
        staffCode = $('unlock-code').value.trim();
        $('unlock').hidden = true;
        resolve(true);
      } else {
        $('unlock-status').textContent = answer.error ?? 'That code is not right.';
      }
    });
  });
}

// The demo page's tester markup (shared-ui/tester/markup.js), with examples judged now, on this device.
renderTesterMarkup($('tester'), {
  examples: [
    { label: 'A betting site', query: '?q=https%3A%2F%2Fwww.bet365.com%2F' },
    { label: 'BBC Bitesize', query: '?q=https%3A%2F%2Fwww.bbc.co.uk%2Fbitesize' },
    { label: 'Roblox now', query: '?q=https%3A%2F%2Fwww.roblox.com%2Fgames' },
    { label: 'TikTok through Google Translate', query: '?q=https%3A%2F%2Fwww-tiktok-com.translate.goog%2F' },
    { label: 'A homework search', query: '?q=how+do+volcanoes+work&as=search' },
    { label: 'A YouTube search', query: '?q=https%3A%2F%2Fwww.youtube.com%2Fresults%3Fsearch_query%3Dcats' },
  ],
});

async function main() {
  await init({ module_or_path: new URL('../pkg/schoolgate_bg.wasm', import.meta.url) });
  app.pkg = pkg;
  [app.messages, app.builtinPolicyText] = await Promise.all([
    loadMessages('en_GB'), builtinPolicyText(pkg, new URL('../pkg/', import.meta.url)),
  ]);
  const status = await poll();
  $('refresh').addEventListener('click', async () => {
    $('refresh-status').textContent = 'Fetching…';
    try {
      showStatus(await ask({ type: 'refresh' }, 300_000));
      $('refresh-status').textContent = 'Done.';
      await poll();
    } catch (error) {
      $('refresh-status').textContent = error.message;
    }
  });
  setInterval(poll, 3_000);
  setupReports(() => staffCode);
  await unlockIfNeeded(status);
  $('tester').hidden = false;
  tester = setupTester(app);
  $('tester-fields').disabled = false;
  tester.start();
  document.documentElement.dataset.tester = 'ready';
}

main().catch((error) => {
  $('engine-status').textContent = `The staff page failed: ${error.message}`;
});
