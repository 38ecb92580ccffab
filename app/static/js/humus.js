// Humus page behaviour. Kept in a file so the Content-Security-Policy can forbid inline script.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});

// The fill page refreshes its logic through htmx on every change. What the person types or picks while a
// refresh is in flight must survive the swap that replaces the page body with the server's answer: remember
// each field as the request leaves, and after the swap put back those changed meanwhile. A change event of
// theirs that fired during the flight is queued by htmx and sent after the swap, with the restored values.
(() => {
  const MULTI = "\u0000";
  const FIELDS = "input[id]:not([type=hidden]), select[id], textarea[id]";

  const stateOf = (field) => {
    if (field.type === "checkbox" || field.type === "radio") return field.checked ? "1" : "0";
    if (field.multiple) return Array.from(field.selectedOptions, (o) => o.value).join(MULTI);
    return field.value;
  };

  const restore = (field, state) => {
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = state === "1";
    } else if (field.multiple) {
      const wanted = new Set(state.split(MULTI));
      Array.from(field.options).forEach((o) => { o.selected = wanted.has(o.value); });
    } else {
      field.value = state;
    }
  };

  const snapshot = (body) => new Map(Array.from(body.querySelectorAll(FIELDS), (f) => [f.id, stateOf(f)]));

  let sent = null;
  let pending = null;

  document.addEventListener("htmx:beforeRequest", (event) => {
    const body = document.getElementById("fill-body");
    if (body && event.detail.elt.contains(body)) sent = snapshot(body);
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const body = document.getElementById("fill-body");
    if (!sent || !body || event.detail.target !== body) return;
    const changed = Array.from(snapshot(body)).filter(([id, state]) => sent.get(id) !== state);
    const active = document.activeElement;
    const caret = active && active.id && "selectionStart" in active
      ? { id: active.id, start: active.selectionStart, end: active.selectionEnd } : null;
    pending = changed.length ? { changed, caret } : null;
    sent = null;
  });

  document.addEventListener("htmx:afterSwap", () => {
    if (!pending) return;
    const { changed, caret } = pending;
    pending = null;
    changed.forEach(([id, state]) => {
      const field = document.getElementById(id);
      if (field) restore(field, state);
    });
    const field = caret && document.getElementById(caret.id);
    if (field && field.setSelectionRange) {
      try { field.setSelectionRange(caret.start, caret.end); } catch (e) { /* not a text field */ }
    }
  });
})();
