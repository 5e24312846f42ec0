// Reading a page's sentence aloud with the browser's speech synthesis, in the page's language.
// Used by the block pages' "Hear it" / "Read aloud" buttons and the report cover. Nothing here
// ever speaks on its own: every call comes from a button the pupil pressed.

/**
 * The voice to use for `lang` (a BCP 47 tag such as `en-GB` or `pl`): one whose language is
 * exactly `lang`, else one of the same language (`en-US` for `en-GB`), preferring the browser's
 * default and local voices; `null` when none matches, so the browser's default voice speaks.
 * @param {readonly {lang: string, default?: boolean, localService?: boolean}[]} voices
 * @param {string} lang
 */
export function pickVoice(voices, lang) {
  const norm = (tag) => String(tag ?? '').replace(/_/g, '-').toLowerCase();
  const want = norm(lang);
  const primary = want.split('-')[0];
  if (!primary) return null;
  const rank = (v) => (v.default ? 0 : 2) + (v.localService ? 0 : 1);
  const best = (list) => [...list].sort((a, b) => rank(a) - rank(b))[0] ?? null;
  const all = [...(voices ?? [])];
  return best(all.filter((v) => norm(v.lang) === want))
    ?? best(all.filter((v) => norm(v.lang).split('-')[0] === primary));
}

/**
 * Speaks `text` in `lang` with the window's speech synthesis (a matching voice when the browser
 * has one). Returns false where the browser has no speech synthesis.
 * @param {Window | null | undefined} win
 * @param {string} text
 * @param {string} lang
 * @param {() => void} [onEnd] called when the speech ends or fails
 */
export function speak(win, text, lang, onEnd) {
  const synth = win?.speechSynthesis;
  /** @type {typeof SpeechSynthesisUtterance | undefined} the frame's own (the demo renders into frames) */
  const Utterance = /** @type {any} */ (win)?.SpeechSynthesisUtterance;
  if (!synth || typeof Utterance !== 'function') return false;
  synth.cancel();
  const u = new Utterance(text);
  u.lang = lang;
  u.rate = 0.9;
  const voice = pickVoice(typeof synth.getVoices === 'function' ? synth.getVoices() : [], lang);
  if (voice) u.voice = /** @type {SpeechSynthesisVoice} */ (voice);
  if (onEnd) {
    u.onend = onEnd;
    u.onerror = onEnd;
  }
  synth.speak(u);
  return true;
}
