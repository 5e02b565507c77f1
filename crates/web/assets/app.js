// Progressive enhancement: a page works as a plain form; with script, a form marked
// data-live="URL" is sent to URL as you type, and each part of the answer marked
// data-live-part replaces the part of the page with the same id, without reloading (the
// simulator recalculates; the application form shows its claimed score and the materials
// it now needs). Submitting the simulator does the same; other forms submit as usual.
(() => {
  if (!window.fetch || !window.DOMParser) return;
  for (const form of document.querySelectorAll('form[data-live]')) {
    let timer;
    let latest = 0;
    const update = async () => {
      const request = ++latest;
      const response = await fetch(form.dataset.live, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        credentials: 'same-origin',
      });
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      if (request !== latest) return; // a newer answer is on its way
      for (const fresh of page.querySelectorAll('[data-live-part]')) {
        const current = document.getElementById(fresh.id);
        if (current) current.replaceWith(fresh); else form.before(fresh);
      }
    };
    // The simulator needs a birth date or an ID number before it can score anything.
    const ready = () => !form.elements.birth_date || form.elements.birth_date.value || form.elements.id_number.value;
    form.addEventListener('input', () => {
      clearTimeout(timer);
      if (ready()) timer = setTimeout(update, 600);
    });
    if (form.dataset.live === form.getAttribute('action')) {
      form.addEventListener('submit', (event) => {
        if (event.submitter && event.submitter.getAttribute('formaction')) return; // e.g. "save this simulation"
        event.preventDefault();
        clearTimeout(timer);
        update().catch(() => form.submit());
      });
    }
  }
})();
