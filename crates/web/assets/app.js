// Progressive enhancement for the simulator: the page works as a plain form; with script
// it recalculates as you type and replaces only the results, without reloading.
(() => {
  const form = document.querySelector('form[action="/"]');
  if (!form || !window.fetch || !window.DOMParser) return;
  let timer;
  let latest = 0;
  const ready = () => form.elements.birth_date.value || form.elements.id_number.value;
  const update = async () => {
    const request = ++latest;
    const response = await fetch('/', { method: 'POST', body: new URLSearchParams(new FormData(form)) });
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    const fresh = page.querySelector('#results');
    if (request !== latest || !fresh) return; // a newer answer is on its way
    const current = document.querySelector('#results');
    if (current) current.replaceWith(fresh); else form.before(fresh);
  };
  form.addEventListener('input', () => {
    clearTimeout(timer);
    if (ready()) timer = setTimeout(update, 600);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    update().catch(() => form.submit());
  });
})();
