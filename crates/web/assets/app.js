// Progressive enhancement: a page works as a plain form; with script, a form marked
// data-live="URL" is sent to URL as you type, and each part of the answer marked
// data-live-part replaces the part of the page with the same id, without reloading (the
// simulator recalculates; the application form shows its claimed score and the materials
// it now needs). Problems the answer marks on fields are marked on the live form too.
// Whatever changes, the field being typed in stays where it is on the screen. Submitting
// the simulator does the same and brings the result into view; other forms submit as usual.
// A form marked data-warn-unsaved warns before the page is left with unsaved changes.
(() => {
  if (!window.fetch || !window.DOMParser) return;

  // The form's text fields (files stay out: the live answer never needs them).
  const formText = (form) => {
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string') body.append(name, value);
    return body;
  };

  // Runs `change`, then scrolls so that the focused field is where it was on the screen.
  const keepingFocusInPlace = (change) => {
    const focused = document.activeElement;
    const before = focused && focused !== document.body ? focused.getBoundingClientRect().top : null;
    change();
    if (before !== null && focused.isConnected) {
      const moved = focused.getBoundingClientRect().top - before;
      if (Math.abs(moved) >= 1) window.scrollBy(0, moved);
    }
  };

  // The problems the answer marks on its copy of the form, marked on this one.
  const markProblems = (form, answered) => {
    const freshForm = answered.getElementById(form.id) || answered.querySelector('form[data-live]');
    if (!freshForm) return;
    for (const old of form.querySelectorAll('.field-error')) old.remove();
    for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
    for (const problem of freshForm.querySelectorAll('.field-error')) {
      const name = problem.id.replace(/-error$/, '');
      const field = form.elements[name];
      if (!field || !field.closest) continue;
      field.setAttribute('aria-invalid', 'true');
      const label = field.closest('label');
      if (!label) continue;
      if (field.type === 'checkbox') label.after(problem); else label.append(problem);
    }
  };

  for (const form of document.querySelectorAll('form[data-live]')) {
    let timer;
    let latest = 0;
    const update = async () => {
      const request = ++latest;
      const response = await fetch(form.dataset.live, {
        method: 'POST',
        body: formText(form),
        credentials: 'same-origin',
      });
      const answered = new DOMParser().parseFromString(await response.text(), 'text/html');
      if (request !== latest) return; // a newer answer is on its way
      keepingFocusInPlace(() => {
        for (const fresh of answered.querySelectorAll('[data-live-part]')) {
          const current = document.getElementById(fresh.id);
          if (!current) continue;
          // A file chosen but not yet sent stays chosen.
          for (const chosen of current.querySelectorAll('input[type=file]')) {
            const twin = chosen.files && chosen.files.length && fresh.querySelector(`input[type=file][name="${chosen.name}"]`);
            if (twin) twin.replaceWith(chosen);
          }
          current.replaceWith(fresh);
        }
        if (form.dataset.live === '/') markProblems(form, answered);
      });
    };
    // The simulator needs a birth date or an ID number before it can score anything.
    const ready = () => !form.elements.birth_date || form.elements.birth_date.value || form.elements.id_number.value;
    form.addEventListener('input', (event) => {
      if (event.target.type === 'file') return;
      clearTimeout(timer);
      if (ready()) timer = setTimeout(update, 600);
    });
    if (form.dataset.live === '/') {
      form.addEventListener('submit', (event) => {
        const submitter = event.submitter;
        if (submitter && (submitter.getAttribute('formaction') || submitter.name)) return; // "save", the language switch
        event.preventDefault();
        clearTimeout(timer);
        update()
          .then(() => {
            const results = document.getElementById('results');
            const box = results && results.getBoundingClientRect();
            if (box && (box.top < 0 || box.top > window.innerHeight * 0.5)) results.scrollIntoView({ block: 'start' });
          })
          .catch(() => form.submit());
      });
    }
  }

  // Unsaved changes: a warning before leaving, none once the form is sent.
  for (const form of document.querySelectorAll('form[data-warn-unsaved]')) {
    let unsaved = false;
    form.addEventListener('input', () => (unsaved = true));
    form.addEventListener('change', () => (unsaved = true));
    form.addEventListener('submit', () => (unsaved = false));
    // Buttons of other forms that send this one with them (uploads that save the draft).
    for (const button of document.querySelectorAll(`button[form="${form.id}"]`)) {
      button.addEventListener('click', () => (unsaved = false));
    }
    window.addEventListener('beforeunload', (event) => {
      if (!unsaved) return;
      event.preventDefault();
      event.returnValue = '';
    });
  }
})();
