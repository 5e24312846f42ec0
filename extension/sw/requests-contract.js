// "Ask my teacher" (docs/requests.md): the contract with the hub, as pure functions shared by the
// worker (sw/requests.js) and the tests (tests/extension/requests-unit.test.mjs, with the hub's
// own check of the same fixture in crates/hub/src/requests.rs).

export const SCHEMA = 'schoolgate-request/1';

/** The hub's base address for the managed settings (as events find it), or `null`. */
export function hubBase(extras) {
  if (extras?.hubUrl) return extras.hubUrl.replace(/\/+$/, '');
  const reports = /^(.*)\/api\/v1\/reports\/?$/.exec(extras?.reportEndpoint ?? '');
  return reports ? reports[1] : null;
}

/** The bytes signed to ask for answers (crates/hub/src/requests.rs `answers_message`). */
export function answersMessage(device, user, group, orgUnit, secs) {
  return `schoolgate-answers/1\n${device}\n${user}\n${group}\n${orgUnit}\n${secs}`;
}

/** The address of the answers for this device (the values the message signs). */
export function answersUrl(base, { device, user, group, orgUnit }) {
  return `${base}/api/v1/requests/answers?${new URLSearchParams({ device, group, user, orgUnit })}`;
}
