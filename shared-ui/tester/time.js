// School-local time for the tester's date and time picker. The engine takes an instant (ms since
// 1970); people think in the school's wall-clock time (Europe/London: GMT or BST).

const partsFormat = new Map();

function formatter(timeZone) {
  if (!partsFormat.has(timeZone)) {
    partsFormat.set(timeZone, new Intl.DateTimeFormat('en-GB', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  return partsFormat.get(timeZone);
}

/** Wall-clock fields of an instant in a zone. */
function wall(ms, timeZone) {
  const p = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: +p.year, mo: +p.month, d: +p.day, h: +p.hour, mi: +p.minute, s: +p.second };
}

/** The zone's offset from UTC at an instant, in ms. */
function offset(ms, timeZone) {
  const w = wall(ms, timeZone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/** `YYYY-MM-DDTHH:MM` (what `<input type="datetime-local">` holds) for an instant in a zone. */
export function toLocalInput(ms, timeZone) {
  const w = wall(ms, timeZone);
  const p = (n) => String(n).padStart(2, '0');
  return `${w.y}-${p(w.mo)}-${p(w.d)}T${p(w.h)}:${p(w.mi)}`;
}

/**
 * The instant a school-local `YYYY-MM-DDTHH:MM` names, or `null` if it does not parse. In the
 * hour skipped in spring the time is read with the winter offset (as the clocks jump forward);
 * in the repeated autumn hour, the first of the two.
 */
export function fromLocalInput(text, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text ?? '');
  if (!m) return null;
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  let guess = asUtc - offset(asUtc, timeZone);
  guess = asUtc - offset(guess, timeZone);
  return Number.isFinite(guess) ? guess : null;
}

/** "Wednesday 25 November 2026, 12:15" in the school's zone. */
export function describe(ms, timeZone) {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  return f.format(new Date(ms)).replace(' at ', ', ');
}

/** "Wed 25 Nov, 12:15" for an RFC 3339 school-local time, read as written. */
export function describeLocal(rfc3339) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(rfc3339 ?? '');
  if (!m) return rfc3339 ?? '';
  const day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  const date = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(day);
  return `${date}, ${m[4]}:${m[5]}`;
}

/** The `datetime-local` value of an RFC 3339 school-local time. */
export function localInputOf(rfc3339) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})/.exec(rfc3339 ?? '');
  return m ? m[1] : null;
}
