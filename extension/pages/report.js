// The cover page: shown inside the reported page (an iframe the content script puts over it) or
// as the whole tab (where no content script runs). Its address is `report.html?id=<report id>`.
// It asks the service worker about the report, shows the pupil's cover, and behind "For the
// grown-up" the adult's form. From the block page the address also says the page's language
// (`&locale=ar`), so the cover goes on in the language the pupil or the adult chose there.
// Keystrokes here (the staff code) never reach the web page below: this is the extension's own
// origin.

import { renderCover, renderAdultForm } from '../report/cover.js';
import { loadMessages, browserLocale, applyLocale, isLocale } from '../ui/i18n.js';
import { languageSwitch } from '../ui/language-switch.js';
import { audienceFor } from '../ui/interstitial.js';
import { ask } from './page-address.js';

const root = document.getElementById('sg-root');
const params = new URLSearchParams(location.search);
const id = params.get('id') ?? '';
// Words only, like the page's own switch: a language in the address changes nothing else.
const askedLocale = isLocale(params.get('locale')) ? params.get('locale') : null;

async function main() {
  let info;
  try {
    info = await ask({ type: 'report-info', id }, 8_000);
    // A worker stopped while it answered gives no answer at all.
    if (!info) throw new Error('no answer from the filter');
  } catch (error) {
    info = { group: null, locale: null, needsCode: true, url: '', error: String(error?.message ?? error) };
  }
  const audience = audienceFor(info.group ?? { name: 'ks2', preset: 'ks2' });
  // The block page's language when it sent us here, else the school's language for this group
  // (managed `language`), else the browser's; the switch on the pupil's cover changes this page's
  // words only (for the adult helping).
  let locale = askedLocale ?? info.locale ?? browserLocale();
  let messages = await loadMessages(locale);
  const pupil = () => {
    applyLocale(document, locale);
    const cover = renderCover(document, root, { audience, messages, locale, saved: !info.error, onAdult: adult });
    if (info.error) cover.status(info.error);
    root.querySelector('.sg-card')?.append(languageSwitch(document, {
      current: locale,
      messages,
      onChange: async (chosen) => {
        locale = chosen;
        messages = await loadMessages(locale);
        pupil();
        if (info.adultDone) root.querySelector('.sg-cover-adult')?.remove();
        document.getElementById('sg-language-select')?.focus();
      },
    }));
    document.documentElement.dataset.locale = locale;
    document.documentElement.dataset.ready = 'pupil';
  };
  const adult = () => {
    renderAdultForm(document, root, {
      messages,
      locale,
      url: info.url,
      audience,
      needsCode: info.needsCode,
      checkCode: (code) => ask({ type: 'report-unlock', id, code }).then((r) => r.ok === true),
      onSubmit: (record, code) => ask({ type: 'report-record', id, code, record }, 15_000),
      onCancel: pupil,
    });
    document.documentElement.dataset.ready = 'adult';
  };
  pupil();
  // Already recorded (the page was reloaded, or opened from the staff page): nothing to fill in.
  if (info.adultDone) root.querySelector('.sg-cover-adult')?.remove();
}

main();
