// The staff page's status report: what protects this device, its faults and its timings.

import { startup } from './engine.js';
import * as state from './state.js';
import * as delivery from './report-delivery.js';
import { resultTimings } from './results.js';
import { keepAlive } from './keepalive.js';
import { installType, ready } from './lifecycle.js';
import { stats, percentiles } from './stats.js';
import { recentFailures } from './failures.js';
import { eventsStatus } from './events.js';
import { lastCheck } from './self-test.js';
import { hubPolicyStatus } from './policy-bundle.js';

export async function statusReport() {
  await ready;
  const s = state.currentState();
  return {
    version: chrome.runtime.getManifest().version,
    installType: await installType,
    status: state.status,
    group: s?.groupInfo ?? null,
    source: s?.source ?? null,
    appliedAt: s?.appliedAt ?? null,
    schoolName: s?.extras?.schoolName || s?.policySchoolName || '',
    policyToml: s?.policyToml ?? null,
    hubPolicy: { ...hubPolicyStatus },
    staffUnlock: Boolean(s?.extras?.staffUnlockCodeHash),
    reportEndpoint: s?.extras?.reportEndpoint ?? null,
    reportDelivery: { ...delivery.deliveryStatus },
    events: eventsStatus(),
    // The last filter check (sw/self-test.js): its date and results.
    selfTest: await lastCheck(),
    startup,
    keepAlive: { ...keepAlive },
    decisions: { count: stats.decisions, heldAtWake: stats.heldAtWake, firstEventMs: stats.firstEventMs, ...percentiles() },
    results: resultTimings(),
    failures: await recentFailures(),
  };
}
