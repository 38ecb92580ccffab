// The coding page of a transcript: select text, apply codes, take them back, undo, write memos.
//
// Offsets are Unicode code points into the transcript's text, as the server and REFI-QDA count them. Every
// text run (span.cw-run) carries data-start; a position inside a run adds the code points before it, so an
// emoji (two UTF-16 units in JavaScript) counts as one. Posts send JSON with the page's CSRF token in the
// X-CSRFToken header; the server answers with the turns to redraw.
(() => {
  "use strict";

  const root = document.getElementById("cw-transcript");
  const dataNode = document.getElementById("cw-data");
  if (!root || !dataNode) return;

  const data = JSON.parse(dataNode.textContent);
  const msg = data.messages;
  const codes = data.codes; // id -> {id, name, colour, definition, shortcut}
  const codings = new Map(data.codings.map((c) => [c.id, c]));
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const status = $("cw-status");
  const error = $("cw-error");
  const selectionNote = $("cw-selection");
  const undoButton = $("cw-undo");
  const here = $("cw-here");
  const hereEmpty = $("cw-here-empty");
  const form = $("cw-apply-form");
  const search = $("cw-code-search");
  const codeList = $("cw-codes");
  const newCode = $("cw-new-code");
  const memoAbout = $("cw-memo-about");
  const highlights = window.CSS && CSS.highlights && window.Highlight ? CSS.highlights : null;

  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
  const cpLength = (text) => {
    let n = 0;
    for (const _ of text) n += 1; // the string iterator steps by code point
    return n;
  };
  const utf16Index = (text, points) => {
    let i = 0;
    for (let n = 0; n < points && i < text.length; n += 1) i += text.codePointAt(i) > 0xffff ? 2 : 1;
    return i;
  };
  const shorten = (text, limit = 80) => {
    const points = Array.from(text.replace(/\s+/g, " ").trim());
    return points.length > limit ? `${points.slice(0, limit - 1).join("")}…` : points.join("");
  };
  const codeName = (id) => (codes[id] ? codes[id].name : "—");

  // ---- messages ------------------------------------------------------------------------------------------
  const say = (text) => {
    error.textContent = "";
    status.textContent = text;
  };
  const complain = (text) => {
    status.textContent = "";
    error.textContent = text;
  };

  // ---- talking to the server -----------------------------------------------------------------------------
  class Refused extends Error {
    constructor(text, payload) {
      super(text);
      this.payload = payload || {};
    }
  }

  async function send(url, init) {
    let response;
    try {
      response = await fetch(url, { method: "POST", credentials: "same-origin", ...init });
    } catch (e) {
      complain(msg.network);
      throw new Refused(msg.network);
    }
    let payload = {};
    try {
      payload = await response.json();
    } catch (e) {
      payload = {};
    }
    if (!response.ok) {
      const text = payload.message || payload.error || msg.network;
      complain(text);
      throw new Refused(text, payload);
    }
    return payload;
  }

  const post = (url, body) =>
    send(url, {
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });

  const removeUrl = (id) => data.removeUrl.replace("/0/", `/${id}/`);
  const restoreUrl = (id) => data.restoreUrl.replace("/codings/0/", `/codings/${id}/`);

  // ---- the text runs and offsets -------------------------------------------------------------------------
  let runCache = null;

  function runs() {
    if (!runCache) {
      runCache = Array.from(root.querySelectorAll(".cw-run"), (el) => ({
        node: el.firstChild,
        start: Number(el.dataset.start),
        length: cpLength(el.textContent),
        block: el.closest(".cw-block"),
      })).filter((r) => r.node && r.node.nodeType === Node.TEXT_NODE);
    }
    return runCache;
  }

  // The offset of a selection boundary; outside any run (a turn's header, between turns) it moves to the
  // nearest run in the selection's direction.
  function offsetOf(container, offset, isEnd) {
    if (container.nodeType === Node.TEXT_NODE) {
      const run = container.parentElement && container.parentElement.closest(".cw-run");
      if (run && root.contains(run)) return Number(run.dataset.start) + cpLength(container.data.slice(0, offset));
    }
    const point = document.createRange();
    point.setStart(container, offset);
    point.collapse(true);
    const list = runs();
    if (!isEnd) {
      const after = list.find((r) => point.comparePoint(r.node, 0) >= 0);
      return after ? after.start : null;
    }
    for (let i = list.length - 1; i >= 0; i -= 1) {
      if (point.comparePoint(list[i].node, list[i].node.length) <= 0) return list[i].start + list[i].length;
    }
    return null;
  }

  // The DOM position of an offset: inside the last run starting at or before it (before it, for an end).
  function pointAt(offset, isEnd) {
    const list = runs();
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (isEnd ? list[mid].start < offset : list[mid].start <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return list.length ? { node: list[0].node, offset: 0 } : null;
    const run = list[found];
    return { node: run.node, offset: utf16Index(run.node.data, Math.min(offset - run.start, run.length)) };
  }

  function rangeOf(start, end) {
    const from = pointAt(start, false);
    const to = pointAt(end, true);
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    return range;
  }

  function textOf(start, end) {
    const pieces = [];
    let block = null;
    for (const run of runs()) {
      if (run.start >= end || run.start + run.length <= start) continue;
      const points = Array.from(run.node.data);
      const piece = points.slice(Math.max(0, start - run.start), end - run.start).join("");
      pieces.push(block && block !== run.block ? ` ${piece}` : piece);
      block = run.block;
    }
    return pieces.join("");
  }

  // ---- the pending selection -----------------------------------------------------------------------------
  let pending = null; // {start, end} and, for a whole turn, {turnUrl, speaker}

  function setPending(next) {
    pending = next;
    selectionNote.textContent = pending ? fill(msg.selected, { text: shorten(textOf(pending.start, pending.end)) }) : msg.noneSelected;
    paintPending();
  }

  function paintPending() {
    if (!highlights) return;
    const range = pending && rangeOf(pending.start, pending.end);
    if (range) highlights.set("cw-pending", new Highlight(range));
    else highlights.delete("cw-pending");
  }

  function selectOffsets(start, end) {
    const range = rangeOf(start, end);
    if (!range) return;
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  let selectionFrame = 0;
  document.addEventListener("selectionchange", () => {
    if (selectionFrame) return;
    selectionFrame = requestAnimationFrame(() => {
      selectionFrame = 0;
      readSelection();
    });
  });

  function readSelection() {
    const selection = document.getSelection();
    if (!selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(root)) return; // the focus went to the panel: what was selected stays pending
    if (range.collapsed) {
      if (!root.contains(range.startContainer)) return;
      setPending(null);
      const at = offsetOf(range.startContainer, range.startOffset, false);
      showHere(at === null ? [] : codingsAt(at, at + 1));
      paintCaret(at);
      return;
    }
    paintCaret(null);
    const start = offsetOf(range.startContainer, range.startOffset, false);
    const end = offsetOf(range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) return;
    if (!pending || pending.start !== start || pending.end !== end) setPending({ start, end });
    showHere(codingsAt(start, end));
  }

  // Chromium draws no caret in text that cannot be edited: mark the character after it instead.
  function paintCaret(at) {
    if (!highlights) return;
    const range = at === null ? null : rangeOf(at, at + 1);
    if (range && !range.collapsed && root.contains(document.activeElement)) highlights.set("cw-caret", new Highlight(range));
    else highlights.delete("cw-caret");
  }

  // ---- keyboard selection in the text ------------------------------------------------------------------
  const MOVES = {
    ArrowLeft: ["backward", "character"],
    ArrowRight: ["forward", "character"],
    ArrowUp: ["backward", "line"],
    ArrowDown: ["forward", "line"],
    Home: ["backward", "lineboundary"],
    End: ["forward", "lineboundary"],
  };

  root.addEventListener("keydown", (event) => {
    const text = event.target.closest && event.target.closest(".cw-text");
    const move = MOVES[event.key];
    if (!text || !move || event.altKey || event.metaKey) return;
    const selection = document.getSelection();
    if (typeof selection.modify !== "function") return;
    if (!selection.rangeCount || !text.contains(selection.focusNode)) {
      const first = text.querySelector(".cw-run");
      if (!first || !first.firstChild) return;
      selection.collapse(first.firstChild, 0);
    }
    const granularity = event.ctrlKey && move[1] === "character" ? "word" : move[1];
    selection.modify(event.shiftKey ? "extend" : "move", move[0], granularity);
    event.preventDefault();
  });

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && pending) {
      document.getSelection().removeAllRanges();
      setPending(null);
    }
  });

  // ---- codes: shortcuts, search, choice --------------------------------------------------------------------
  const byShortcut = new Map();
  const indexShortcuts = () => {
    byShortcut.clear();
    Object.values(codes).forEach((code) => {
      if (code.shortcut) byShortcut.set(code.shortcut, code.id);
    });
  };
  indexShortcuts();

  const items = () => Array.from(codeList.querySelectorAll(".cw-code"));
  const checkedIds = () => Array.from(codeList.querySelectorAll(".cw-check:checked"), (box) => Number(box.value));
  const uncheckAll = () => codeList.querySelectorAll(".cw-check:checked").forEach((box) => { box.checked = false; });
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  function filterCodes() {
    const query = fold(search.value.trim());
    let visible = 0;
    items().forEach((item) => {
      const code = codes[item.dataset.code];
      const hit = !query || fold(`${code.name} ${code.definition || ""}`).includes(query);
      item.hidden = !hit;
      if (hit) visible += 1;
    });
    const none = $("cw-no-code");
    none.textContent = msg.noMatch;
    none.hidden = visible > 0 || items().length === 0;
  }
  search.addEventListener("input", filterCodes);

  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = items().find((item) => !item.hidden);
    if (first) apply([Number(first.dataset.code)]);
    else complain(msg.noMatch);
  });

  codeList.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.classList.contains("cw-check")) {
      event.preventDefault();
      applyChecked();
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyChecked();
  });

  function applyChecked() {
    const ids = checkedIds();
    if (!ids.length) complain(msg.noCode);
    else apply(ids);
  }

  const isTyping = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable ||
      el.matches("textarea, select") ||
      (el.matches("input") && !["checkbox", "radio", "button", "submit"].includes(el.type)));

  document.addEventListener("keydown", (event) => {
    if (isTyping(event.target) || event.altKey) return;
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
      return;
    }
    if (event.ctrlKey || event.metaKey) return;
    const code = byShortcut.get(event.key);
    if (code === undefined) return;
    event.preventDefault();
    if (pending) apply([code]);
    else complain(msg.noSelection);
  });

  // ---- applying and removing codes ------------------------------------------------------------------------
  let busy = Promise.resolve();
  const queued = (work) => {
    busy = busy.then(work, work);
    return busy;
  };

  function apply(ids, newName) {
    return queued(async () => {
      if (!pending) {
        complain(msg.noSelection);
        return;
      }
      const target = pending;
      const body = target.turnUrl && !newName ? { code_id: ids } : { start: target.start, end: target.end, code_id: ids };
      if (newName) body.new_code_name = newName;
      let payload;
      try {
        payload = await post(target.turnUrl && !newName ? target.turnUrl : data.applyUrl, body);
      } catch (e) {
        return;
      }
      if (payload.code) addCode(payload.code);
      redraw(payload);
      const created = payload.codings || [];
      const names = [...new Set([...ids, ...(payload.code ? [payload.code.id] : [])].map(codeName))].join(", ");
      if (created.length) {
        pushUndo({ kind: "add", ids: created.map((c) => c.id), names });
        say(fill(msg.applied, { codes: names }));
        created.forEach((c) => flashCoding(c.id));
      } else {
        say(fill(msg.already, { codes: names }));
      }
      uncheckAll();
      setPending(target);
      selectOffsets(target.start, target.end);
      showHere(codingsAt(target.start, target.end));
    });
  }

  function remove(id) {
    return queued(async () => {
      let payload;
      try {
        payload = await post(removeUrl(id));
      } catch (e) {
        return;
      }
      codings.delete(id);
      redraw(payload);
      const removed = payload.removed;
      pushUndo({ kind: "remove", removed, names: codeName(removed.code_id) });
      say(fill(msg.removed, { code: codeName(removed.code_id) }));
      refreshHere();
    });
  }

  // ---- undo -----------------------------------------------------------------------------------------------
  const undoStack = [];
  const renamed = new Map(); // a coding put back by an undo gets a new id: old id -> new id
  const currentId = (id) => {
    let found = id;
    const seen = new Set();
    while (renamed.has(found) && !seen.has(found)) {
      seen.add(found);
      found = renamed.get(found);
    }
    return found;
  };
  const rename = (from, to) => {
    if (from !== to) renamed.set(from, to); // a database may give a freed id again
  };

  function pushUndo(action) {
    undoStack.push(action);
    if (undoStack.length > 200) undoStack.shift();
    showUndo();
  }

  function showUndo() {
    const last = undoStack[undoStack.length - 1];
    undoButton.disabled = !last;
    undoButton.title = last ? fill(msg.undoLabel, { action: last.names }) : msg.nothingToUndo;
  }

  function undo() {
    return queued(async () => {
      const action = undoStack.pop();
      showUndo();
      if (!action) {
        say(msg.nothingToUndo);
        return;
      }
      try {
        if (action.kind === "add") {
          while (action.ids.length) {
            const id = currentId(action.ids[0]);
            redraw(await post(removeUrl(id)));
            codings.delete(id);
            action.ids.shift();
          }
          if (action.restore) action.restore(); // an accepted suggestion goes back to the panel
          say(fill(msg.undoneAdd, { codes: action.names }));
        } else {
          const r = action.removed; // back under the coder who made it, as the server's log says
          const payload = await post(restoreUrl(r.id));
          redraw(payload);
          const back = (payload.codings || [])[0];
          if (back) {
            rename(r.id, back.id);
            flashCoding(back.id);
          } else if ((payload.reused || [])[0]) {
            rename(r.id, payload.reused[0]);
          }
          say(fill(msg.undoneRemove, { code: action.names }));
        }
      } catch (e) {
        if (e instanceof Refused) {
          pushUndo(action); // what was not undone can be tried again
          return;
        }
        throw e;
      }
      paintPending();
      refreshHere();
    });
  }

  undoButton.addEventListener("click", () => undo());

  // ---- redrawing --------------------------------------------------------------------------------------------
  function redraw(payload) {
    (payload.shown || []).forEach((c) => codings.set(c.id, c));
    const focused = document.activeElement;
    (payload.blocks || []).forEach(({ key, html }) => {
      const old = document.getElementById(`cw-${key}`);
      if (!old) return;
      const template = document.createElement("template");
      template.innerHTML = html.trim();
      const fresh = template.content.firstElementChild;
      const hadFocus = old.contains(focused);
      const focusedText = hadFocus && focused.classList.contains("cw-text");
      old.replaceWith(fresh);
      if (hadFocus) (focusedText ? fresh.querySelector(".cw-text") : fresh.querySelector(".cw-code-turn") || fresh.querySelector(".cw-text")).focus({ preventScroll: true });
    });
    runCache = null;
    paintPending();
  }

  function flashCoding(id) {
    root.querySelectorAll(`mark[data-coding="${id}"]`).forEach((mark) => {
      mark.classList.add("cw-flash");
      mark.addEventListener("animationend", () => mark.classList.remove("cw-flash"), { once: true });
    });
  }

  function activate(id, on) {
    root.querySelectorAll(`mark[data-coding="${id}"]`).forEach((mark) => mark.classList.toggle("cw-active", on));
  }

  // The tooltip of a run names the code and coder of each coding over it, innermost first; written on the
  // first hover rather than in the page, which stays light for long transcripts.
  function titleOf(run) {
    const names = [];
    for (let el = run.parentElement; el && el !== root; el = el.parentElement) {
      const coding = el.matches("mark[data-coding]") && codings.get(Number(el.dataset.coding));
      if (coding) names.push(`${codeName(coding.code_id)} (${coding.coder})`);
    }
    return names.join("; ");
  }

  root.addEventListener("mouseover", (event) => {
    const run = event.target.closest && event.target.closest(".cw-run");
    if (run && !run.title) run.title = titleOf(run);
    const mark = event.target.closest && event.target.closest("mark[data-coding]");
    root.querySelectorAll("mark.cw-active").forEach((m) => m.classList.remove("cw-active"));
    if (mark) activate(mark.dataset.coding, true);
  });
  root.addEventListener("mouseleave", () => root.querySelectorAll("mark.cw-active").forEach((m) => m.classList.remove("cw-active")));

  // ---- codings at the cursor -------------------------------------------------------------------------------
  let hereSpan = null;

  function codingsAt(start, end) {
    hereSpan = [start, end];
    const found = [];
    codings.forEach((c) => {
      if (c.start < end && c.end > start && root.querySelector(`mark[data-coding="${c.id}"]`)) found.push(c);
    });
    return found.sort((a, b) => a.start - b.start || a.id - b.id);
  }

  const refreshHere = () => {
    if (hereSpan) showHere(codingsAt(hereSpan[0], hereSpan[1]));
  };

  function showHere(list) {
    here.replaceChildren(...list.map(hereItem));
    hereEmpty.hidden = list.length > 0;
  }

  function hereItem(coding) {
    const item = document.createElement("li");
    item.dataset.coding = coding.id;
    const swatch = document.createElement("span");
    swatch.className = `cw-swatch code-${coding.code_id}`;
    swatch.setAttribute("aria-hidden", "true");
    const name = document.createElement("strong");
    name.textContent = codeName(coding.code_id);
    const who = document.createElement("span");
    who.className = "cw-who";
    who.textContent = ` ${fill(msg.byCoder, { coder: coding.coder })}`;
    const quote = document.createElement("span");
    quote.className = "cw-quote";
    quote.textContent = `“${shorten(textOf(coding.start, coding.end), 100)}”`;
    item.append(swatch, name, who, quote);
    if (coding.removable) item.append(button(msg.remove, "text-danger", () => remove(coding.id)));
    item.append(button(msg.memo, "", () => memoOn(coding)));
    item.addEventListener("mouseenter", () => activate(coding.id, true));
    item.addEventListener("mouseleave", () => activate(coding.id, false));
    item.addEventListener("focusin", () => activate(coding.id, true));
    item.addEventListener("focusout", () => activate(coding.id, false));
    return item;
  }

  function button(label, extra, action) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = `btn btn-link btn-xs ${extra}`.trim();
    el.textContent = label;
    el.addEventListener("click", action);
    return el;
  }

  // ---- whole turns -----------------------------------------------------------------------------------------
  root.addEventListener("click", (event) => {
    const turnButton = event.target.closest && event.target.closest(".cw-code-turn");
    if (!turnButton) return;
    const speaker = turnButton.closest(".cw-turn").querySelector(".cw-speaker").textContent;
    const target = { start: Number(turnButton.dataset.start), end: Number(turnButton.dataset.end), turnUrl: turnButton.dataset.url, speaker };
    setPending(target);
    const ids = checkedIds();
    if (ids.length) {
      apply(ids);
    } else {
      selectOffsets(target.start, target.end);
      say(fill(msg.turnSelected, { speaker }));
    }
  });

  // ---- new codes -------------------------------------------------------------------------------------------
  const sheet = "adoptedStyleSheets" in document ? new CSSStyleSheet() : null;
  if (sheet) document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

  function addCode(code) {
    if (codes[code.id]) return;
    codes[code.id] = code;
    if (sheet && /^#[0-9a-f]{6}$/i.test(code.colour)) sheet.insertRule(`.code-${code.id} { --c: ${code.colour}; }`);
    const item = document.createElement("li");
    item.className = "cw-code";
    item.dataset.code = code.id;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "cw-check";
    box.id = `cw-code-${code.id}`;
    box.name = "code_id";
    box.value = code.id;
    const label = document.createElement("label");
    label.htmlFor = box.id;
    const swatch = document.createElement("span");
    swatch.className = `cw-swatch code-${code.id}`;
    swatch.setAttribute("aria-hidden", "true");
    label.append(swatch, code.name);
    item.append(box, label);
    if (code.shortcut) {
      box.setAttribute("aria-keyshortcuts", code.shortcut);
      const key = document.createElement("kbd");
      key.className = "cw-key";
      key.textContent = code.shortcut;
      key.setAttribute("aria-hidden", "true");
      item.append(key);
    }
    codeList.append(item);
    indexShortcuts();
    filterCodes();
    let group = memoAbout.querySelector("optgroup");
    if (!group) {
      group = document.createElement("optgroup");
      group.label = form.querySelector("fieldset legend").textContent;
      memoAbout.append(group);
    }
    group.append(new Option(code.name, `code:${code.id}`));
  }

  async function createCode() {
    const name = newCode.value.trim();
    if (!name) {
      newCode.focus();
      return;
    }
    if (pending) {
      await apply(checkedIds(), name);
    } else {
      await queued(async () => {
        try {
          const payload = await post(data.applyUrl, { new_code_name: name });
          if (payload.code) addCode(payload.code);
          say(fill(msg.codeCreated, { name }));
        } catch (e) {
          /* the error is shown */
        }
      });
    }
    if (!error.textContent) newCode.value = "";
  }

  $("cw-create").addEventListener("click", () => createCode());
  newCode.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      createCode();
    }
  });

  // ---- memos -----------------------------------------------------------------------------------------------
  function memoOn(coding) {
    const value = `coding:${coding.id}`;
    let option = Array.from(memoAbout.options).find((o) => o.value === value);
    if (!option) {
      option = new Option(fill(msg.segment, { code: codeName(coding.code_id), text: shorten(textOf(coding.start, coding.end), 40) }), value);
      memoAbout.options[0].after(option); // segments come right after "this transcript", before the codes
    }
    memoAbout.value = value;
    $("cw-memo-text").focus();
  }

  document.addEventListener("submit", async (event) => {
    const memoForm = event.target.closest && event.target.closest("form[data-cw-memo]");
    if (!memoForm) return;
    event.preventDefault();
    if (memoForm.dataset.cwConfirm && !window.confirm(memoForm.dataset.cwConfirm)) return;
    let payload;
    try {
      payload = await send(memoForm.action, { headers: { Accept: "application/json", "X-CSRFToken": csrf }, body: new FormData(memoForm) });
    } catch (e) {
      // A memo saved elsewhere since this page drew it (409): show it as it is now, and what was typed.
      if (e instanceof Refused && typeof e.payload.html === "string") $("cw-memo-list").innerHTML = e.payload.html;
      return;
    }
    $("cw-memo-list").innerHTML = payload.html;
    if (memoForm.id === "cw-memo-form") {
      $("cw-memo-title").value = "";
      $("cw-memo-text").value = "";
    }
    say(payload.message);
  });

  document.addEventListener("click", (event) => {
    const show = event.target.closest && event.target.closest(".cw-show-coding");
    if (!show) return;
    const mark = root.querySelector(`mark[data-coding="${show.dataset.coding}"]`);
    if (!mark) return;
    mark.scrollIntoView({ block: "center" });
    const coding = codings.get(Number(show.dataset.coding));
    const text = mark.closest(".cw-text");
    if (text) text.focus({ preventScroll: true });
    if (coding) selectOffsets(coding.start, coding.end);
    flashCoding(show.dataset.coding);
  });

  // A link from elsewhere (a retrieval, the codebook) may name a place, #o<offset>, or a passage,
  // ?start=…&end=…, in code points: put the caret there, or select the passage, and bring it into view.
  function showLinkedPassage() {
    const params = new URLSearchParams(window.location.search);
    const place = /^#o(\d+)$/.exec(window.location.hash);
    const start = place ? Number(place[1]) : Number(params.get("start"));
    const end = place ? start : Number(params.get("end"));
    if ((!place && !params.has("start")) || !Number.isInteger(start) || !Number.isInteger(end) || end < start) return;
    const range = rangeOf(start, end);
    if (!range) return;
    const text = range.startContainer.parentElement.closest(".cw-text");
    if (text) text.focus({ preventScroll: true });
    range.startContainer.parentElement.scrollIntoView({ block: "center" });
    if (end > start) {
      selectOffsets(start, end);
      setPending({ start, end });
    } else {
      document.getSelection().collapse(range.startContainer, range.startOffset);
    }
  }

  // ---- suggestions ---------------------------------------------------------------------------------------
  // The panel's forms work without script (they post and come back); here they post without leaving the
  // page. Accepting codes the turn, which is then no longer uncoded: its suggestions all leave the panel, and
  // come back if the coding is undone. Rejecting takes that one suggestion away for good.
  const suggestions = $("suggestions");
  const suggestionList = $("cw-sg-list");

  function foldSuggestions() {
    const title = $("cw-sg-title");
    const body = $("cw-sg-body");
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "cw-sg-toggle";
    toggle.id = "cw-sg-toggle";
    toggle.setAttribute("aria-controls", body.id);
    toggle.textContent = title.textContent.trim();
    title.replaceChildren(toggle);
    const open = (on) => {
      toggle.setAttribute("aria-expanded", String(on));
      body.hidden = !on;
      try {
        window.localStorage.setItem("humus.coding.suggestions", on ? "open" : "closed");
      } catch (e) {
        /* storage may be refused: the panel then opens each time */
      }
    };
    let stored = null;
    try {
      stored = window.localStorage.getItem("humus.coding.suggestions");
    } catch (e) {
      stored = null;
    }
    open(stored !== "closed" || window.location.hash === "#suggestions");
    toggle.addEventListener("click", () => open(toggle.getAttribute("aria-expanded") !== "true"));
  }

  // An item leaves the panel (a turn, or one code of a turn: its last one takes the turn along). The focus,
  // if it was inside, goes to the next suggestion, or the one before, or the panel's heading. Returns what
  // puts the item back, in the transcript's order.
  function leave(item, hadFocus = item.contains(document.activeElement)) {
    const parent = item.parentElement;
    const turn = parent.closest(".cw-sg-turn");
    if (turn && parent.children.length === 1) return leave(turn, hadFocus);
    const near = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    $("cw-sg-empty").hidden = suggestionList.children.length > 0;
    if (hadFocus) {
      const next = near ? near.querySelector("a, button") : null;
      (next || $("cw-sg-toggle") || $("cw-sg-title")).focus();
    }
    return () => {
      const after = Array.from(parent.children).find((other) => Number(other.dataset.start) > Number(item.dataset.start));
      parent.insertBefore(item, after || null);
      $("cw-sg-empty").hidden = suggestionList.children.length > 0;
    };
  }

  async function decide(suggestionForm) {
    if (!suggestionForm.isConnected) return; // a second click, queued behind the first that took it away
    const accepting = suggestionForm.dataset.cwSuggestion === "accept";
    const item = suggestionForm.closest(accepting ? ".cw-sg-turn" : ".cw-sg");
    const codeId = Number(suggestionForm.elements.code_id.value);
    const headers = { Accept: "application/json", "X-CSRFToken": csrf };
    let payload;
    try {
      payload = await send(suggestionForm.action, { headers, body: new FormData(suggestionForm) });
    } catch (e) {
      return;
    }
    if (!accepting) {
      leave(item);
      say(payload.message);
      return;
    }
    redraw(payload);
    const created = payload.codings || [];
    const names = codeName(codeId);
    const restore = leave(item);
    if (created.length) {
      pushUndo({ kind: "add", ids: created.map((c) => c.id), names, restore });
      say(fill(msg.applied, { codes: names }));
      created.forEach((c) => flashCoding(c.id));
    } else {
      say(fill(msg.already, { codes: names }));
    }
    refreshHere();
  }

  function showSuggested(link) {
    const start = Number(link.dataset.start);
    const end = Number(link.dataset.end);
    const block = link.dataset.block ? $(`cw-${link.dataset.block}`) : null;
    const range = rangeOf(start, end);
    if (!range) return;
    (block || range.startContainer.parentElement).scrollIntoView({ block: "center" });
    selectOffsets(start, end); // the focus stays in the panel: the next suggestion is a Tab away
    setPending({ start, end });
    if (block) {
      block.classList.add("cw-target");
      block.addEventListener("animationend", () => block.classList.remove("cw-target"), { once: true });
    }
  }

  if (suggestions && suggestionList) {
    foldSuggestions();
    suggestionList.addEventListener("submit", (event) => {
      const suggestionForm = event.target.closest("form[data-cw-suggestion]");
      if (!suggestionForm) return;
      event.preventDefault();
      queued(() => decide(suggestionForm));
    });
    suggestionList.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest(".cw-sg-show");
      if (!link) return;
      event.preventDefault();
      showSuggested(link);
    });
  } else if (suggestions) {
    foldSuggestions();
  }

  showUndo();
  showLinkedPassage();
})();
