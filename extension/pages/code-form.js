// A code entry behind a small button, as the block page offers it twice: the "Teacher's code"
// (pages/teacher-code.js) and the staff view's "Staff" (pages/blocked.js). Built with textContent
// only. The page never checks a code itself: `submit` sends what was typed to the worker and says
// what to show.

/**
 * @param {{openLabel: string, openClass: string, label: string, input: Partial<HTMLInputElement> & {id: string},
 *   submitLabel: string, statusId?: string,
 *   submit: (code: string) => Promise<string|null>}} args `submit` answers the status line to show
 *   (`null`: nothing, the page moves on)
 * @returns {{open: HTMLButtonElement, form: HTMLFormElement}}
 */
export function codeForm({ openLabel, openClass, label: labelText, input: inputProps, submitLabel, statusId, submit }) {
  const open = document.createElement('button');
  open.type = 'button';
  open.className = openClass;
  open.textContent = openLabel;
  const form = document.createElement('form');
  form.hidden = true;
  const label = document.createElement('label');
  label.textContent = labelText;
  const input = document.createElement('input');
  input.autocomplete = 'off';
  Object.assign(input, inputProps);
  label.htmlFor = input.id;
  const go = document.createElement('button');
  go.type = 'submit';
  go.textContent = submitLabel;
  const note = document.createElement('p');
  note.setAttribute('role', 'status');
  if (statusId) note.id = statusId;
  form.append(label, input, go, note);
  open.addEventListener('click', () => {
    form.hidden = false;
    open.hidden = true;
    input.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    go.disabled = true;
    const status = await submit(input.value);
    go.disabled = false;
    if (status === null) return;
    note.textContent = status;
    input.select();
  });
  return { open, form };
}
