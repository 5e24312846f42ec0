// The staff page's "Teachers' codes" section: the overrides in force on this device and the record
// of every code typed on a block page (sw/overrides.js), newest first. Built with textContent.

import { ask } from './page-address.js';
import { ukTime } from '../report/export.js';

const list = document.getElementById('sg-overrides');
const note = document.getElementById('overrides-status');

const OUTCOMES = {
  granted: 'opened',
  'wrong-code': 'wrong code',
  malformed: 'not a code',
  used: 'code already used',
  refused: 'refused: no code can open this page',
  wait: 'refused: too many wrong codes, waiting',
  'not-blocked': 'not blocked',
  'not-set': 'no school secret set',
};

function line(e) {
  const li = document.createElement('li');
  const what = OUTCOMES[e.outcome] ?? e.outcome;
  const parts = [`${ukTime(e.at)}: ${what}`, e.site ? `site ${e.site}` : null, `group ${e.group}`, e.url ? `page ${e.url}` : null];
  if (e.user) parts.push(`asked by ${e.user}`);
  if (e.approvedBy) parts.push(`approved by ${e.approvedBy}`);
  if (e.endsAt) parts.push(e.endedAt ? `ended ${ukTime(e.endedAt)}` : `ends ${ukTime(e.endsAt)}`);
  if (e.reason && e.outcome === 'refused') parts.push(e.reason);
  li.textContent = parts.filter(Boolean).join(' · ');
  li.dataset.outcome = e.outcome;
  return li;
}

async function show() {
  const r = await ask({ type: 'overrides-list' }).catch((error) => ({ error: error.message }));
  if (r.error) {
    note.textContent = `Could not read the record: ${r.error}`;
    return;
  }
  const inForce = r.active.map((o) => `${o.site} for ${o.group} until ${ukTime(o.endsAt)}`);
  note.textContent = [
    r.configured ? 'Teachers\' codes are on (overrideSecret is set).' : 'Teachers\' codes are off: no overrideSecret in the Admin console.',
    inForce.length ? `Open now: ${inForce.join('; ')}.` : 'Nothing is open by a code now.',
    r.waitMs > 0 ? `Too many wrong codes: codes are refused for ${Math.ceil(r.waitMs / 60_000)} more minutes.` : '',
  ].filter(Boolean).join(' ');
  list.replaceChildren(...r.log.map(line));
}

show();
