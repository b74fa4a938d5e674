// The reader: select a passage to annotate it; the notes beside the text on a wide
// screen, in a bottom sheet on a narrow one.
//
// Without this script every paragraph shows all its notes under it and has a plain
// form that annotates the whole paragraph. With it:
// - a selection inside one paragraph fills that form with the selected passage.
//   Offsets are sent as the browser counts them (UTF-16 code units, unit=utf16); the
//   server converts them to code points and checks the quote;
// - wide (>= 1100 px): each note is a folded card in the margin, at the height of its
//   highlight, stacked without overlap; a click opens its thread in place. Cards are
//   placed only for paragraphs near the viewport (an IntersectionObserver), so a
//   thousand notes cost no long task at load or while scrolling;
// - narrow: a chip under each paragraph; a tap on it or on a highlight opens the
//   paragraph's notes in a sheet at the bottom (the list is moved there and back,
//   so its reply forms keep working).
// Positions are set through the CSSOM (element.style), which the CSP allows.
(() => {
  "use strict";

  const reader = document.querySelector(".reader");
  const popup = document.querySelector(".annotate-popup");
  const sheet = document.getElementById("note-sheet");
  const wide = window.matchMedia("(min-width: 1100px)");
  const roomy = window.matchMedia("(min-width: 760px)");
  const GAP = 8; // px between stacked cards
  const MIN_SHOWN = 3; // cards shown per paragraph before "show all"
  const MEASURED_AT_ONCE = 6; // cards shown at once to measure them (see place)
  let pending = null; // {paragraph, start, end, quote, rect}

  if (!reader) return;

  // --- Selecting a passage ---------------------------------------------------------

  function paragraphOf(node) {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    // Body paragraphs only: headings carry no annotate form.
    return element ? element.closest(".reader__para") : null;
  }

  // UTF-16 offset of (node, offset) from the start of the paragraph's text.
  function offsetIn(container, node, offset) {
    const range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function currentSelection() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    const range = selection.getRangeAt(0);
    const container = paragraphOf(range.startContainer);
    if (!container) return null;
    // The paragraph's own text: everything but the trailing "#" link.
    const link = container.querySelector(".anchor-link");
    const full = container.textContent;
    const text = full.slice(0, full.length - (link ? link.textContent.length : 0));
    let start = Math.min(
      offsetIn(container, range.startContainer, range.startOffset),
      text.length,
    );
    // A selection running past the paragraph (a triple click, a drag into the
    // next one) is cut at its end: an annotation belongs to one paragraph, and the
    // form shows exactly what will be quoted.
    let end = container.contains(range.endContainer)
      ? Math.min(offsetIn(container, range.endContainer, range.endOffset), text.length)
      : text.length;
    // Leave out spaces selected at either edge (double-click on a phone adds them).
    while (start < end && /\s/.test(text[start])) start += 1;
    while (end > start && /\s/.test(text[end - 1])) end -= 1;
    if (end <= start) return null;
    return {
      paragraph: container.id.replace(/^p-/, ""),
      start,
      end,
      quote: text.slice(start, end),
      rect: range.getBoundingClientRect(),
      textRight: container.getBoundingClientRect().right,
    };
  }

  function hidePopup() {
    if (popup) popup.hidden = true;
  }

  // The button covers no text: in the margin beside the selection on a wide screen,
  // docked at the bottom of the screen on a narrow one (where the system's own
  // selection menu sits above the words).
  function showPopup() {
    pending = currentSelection();
    if (!popup || !pending) {
      hidePopup();
      return;
    }
    popup.hidden = false;
    const docked = !wide.matches;
    popup.classList.toggle("annotate-popup--docked", docked);
    if (docked) {
      popup.style.left = "";
      popup.style.top = "";
      return;
    }
    const width = popup.offsetWidth;
    const left = Math.min(
      window.scrollX + pending.textRight + 16,
      window.scrollX + document.documentElement.clientWidth - width - 8,
    );
    popup.style.left = `${left}px`;
    popup.style.top = `${window.scrollY + pending.rect.top}px`;
  }

  function fillForm(selection) {
    const details = document.getElementById(`annotate-${selection.paragraph}`);
    if (!details) return;
    const form = details.querySelector("form");
    form.elements.start.value = selection.start;
    form.elements.end.value = selection.end;
    form.elements.quote.value = selection.quote;
    form.elements.unit.value = "utf16";
    form.querySelector(".annotate__quote").textContent = selection.quote;
    form.classList.add("annotate__form--selection");
    details.open = true;
    hidePopup();
    const note = form.elements.note;
    note.focus({ preventScroll: true });
    details.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  if (popup) {
    let timer = null;
    document.addEventListener("selectionchange", () => {
      clearTimeout(timer);
      timer = setTimeout(showPopup, 250);
    });
    // pointerdown keeps the selection alive on touch screens before the click.
    popup.addEventListener("pointerdown", (event) => event.preventDefault());
    popup.addEventListener("click", () => {
      if (pending) fillForm(pending);
    });
  }

  // --- Reply forms, made live when their thread opens -------------------------------

  // The server sends each note's reply form inside <noscript> (as text, when
  // scripts run): a thousand live forms cost Chromium a one-second scan of the
  // page's forms at DOMContentLoaded. The text is the server's own markup.
  function liveForms(root) {
    for (const holder of root.querySelectorAll("noscript.reply-later")) {
      const range = document.createRange();
      range.selectNode(holder);
      holder.replaceWith(range.createContextualFragment(holder.textContent));
    }
  }

  // The few notes whose passage is gone stand open after the text.
  for (const section of reader.querySelectorAll(".detached-notes")) liveForms(section);

  // --- The compact control ---------------------------------------------------------

  // Closed on a phone (text first); opened where there is room beside the text.
  const tools = reader.querySelector(".reader__tools");
  if (tools && roomy.matches) tools.open = true;

  // --- Margin cards (wide) ---------------------------------------------------------

  const hasNotes = reader.classList.contains("reader--notes");
  let mode = null; // "margin" | "sheet"
  const observer =
    "IntersectionObserver" in window
      ? new IntersectionObserver(onIntersect, { rootMargin: "600px 0px" })
      : null;

  function blocks() {
    return reader.querySelectorAll(".para-block--notes");
  }

  function itemsOf(block) {
    return block.querySelector(".notes__items");
  }

  // Place the cards of one paragraph: each at the top of its first highlight,
  // pushed down below the one before. Reads first, then writes.
  function place(block) {
    const list = itemsOf(block);
    if (!list || list.parentElement.closest(".sheet")) return;
    const notes = list.parentElement;
    const cards = Array.from(list.children);
    if (!block.classList.contains("para-block--placed")) {
      // Until now CSS showed only the first few (see annotations.css).
      for (const card of cards.slice(MEASURED_AT_ONCE)) card.classList.add("note--overflow");
      block.classList.add("para-block--placed");
    }
    const all = block.classList.contains("para-block--all");
    const text = block.querySelector(".reader__para, .reader__heading");
    const origin = notes.getBoundingClientRect().top;
    const limit = text ? text.getBoundingClientRect().bottom - origin : 0;
    const tops = new Map();
    for (const mark of block.querySelectorAll("mark.hl")) {
      const id = mark.dataset.annotation;
      if (!tops.has(id)) tops.set(id, mark.getBoundingClientRect().top - origin);
    }
    // Cards left out last time are shown (to be measured) a few at a time, as far
    // as they are needed: showing a paragraph's hundred cards at once to measure
    // them is a long task when the paragraph scrolls into view.
    const heightOf = (index) => {
      if (cards[index].classList.contains("note--overflow")) {
        for (const card of cards.slice(index, index + MEASURED_AT_ONCE)) {
          card.classList.remove("note--overflow");
        }
      }
      return cards[index].offsetHeight;
    };
    let bottom = 0;
    let shown = 0;
    let hidden = 0;
    const placed = [];
    cards.forEach((card, index) => {
      const wanted = tops.get(card.dataset.annotation) ?? bottom;
      const top = Math.max(wanted, bottom === 0 ? wanted : bottom + GAP);
      if (!all && shown >= MIN_SHOWN && top > limit && !card.classList.contains("note--open")) {
        hidden += 1;
        placed.push([card, null]);
        return;
      }
      placed.push([card, top]);
      bottom = top + heightOf(index);
      shown += 1;
    });
    for (const [card, top] of placed) {
      if (top === null) card.classList.add("note--overflow");
      else {
        card.classList.remove("note--overflow");
        card.style.top = `${top}px`;
      }
    }
    let more = notes.querySelector(".notes__more");
    if (hidden) {
      if (!more) {
        more = document.createElement("button");
        more.type = "button";
        more.className = "notes__more";
        notes.appendChild(more);
      }
      more.textContent = reader.dataset.moreLabel
        ? reader.dataset.moreLabel.replace("{count}", hidden)
        : `+${hidden}`;
      more.style.top = `${bottom + GAP}px`;
      bottom += GAP + 44;
    } else if (more) {
      more.remove();
    }
    notes.style.height = `${bottom}px`;
  }

  // A card off screen is not laid out (content-visibility: auto): it was placed at
  // an estimated height. Once the browser renders it (half a screen before it
  // shows), its paragraph's cards are placed again at their true heights.
  const replace = new Set();
  reader.addEventListener(
    "contentvisibilityautostatechange",
    (event) => {
      if (mode !== "margin" || event.skipped || !event.target.matches(".note")) return;
      const block = event.target.closest(".para-block--placed");
      if (!block) return;
      if (!replace.size) {
        requestAnimationFrame(() => {
          for (const each of replace) place(each);
          replace.clear();
        });
      }
      replace.add(block);
    },
    true, // the event does not bubble
  );

  function unplace(block) {
    block.classList.remove("para-block--placed", "para-block--all");
    const notes = block.querySelector(".notes");
    if (!notes) return;
    notes.style.height = "";
    const more = notes.querySelector(".notes__more");
    if (more) more.remove();
    for (const card of notes.querySelectorAll(".note")) {
      card.style.top = "";
      card.classList.remove("note--overflow");
    }
  }

  // For bench/reader_browser.py: when the notes in view first stand in place.
  let markedReady = false;
  function markReady() {
    if (markedReady) return;
    markedReady = true;
    if (window.performance && performance.mark) performance.mark("reader:placed");
  }

  function onIntersect(entries) {
    if (mode !== "margin") return;
    for (const entry of entries) {
      if (entry.isIntersecting && !entry.target.classList.contains("para-block--placed")) {
        place(entry.target);
      }
    }
    markReady();
  }

  function setMode() {
    const next = hasNotes && wide.matches ? "margin" : "sheet";
    if (next === mode) return;
    mode = next;
    closeSheet();
    reader.classList.toggle("reader--margin", mode === "margin");
    reader.classList.toggle("reader--sheet", mode === "sheet");
    for (const block of blocks()) {
      unplace(block);
      if (observer) {
        observer.unobserve(block);
        if (mode === "margin") observer.observe(block);
      } else if (mode === "margin") {
        place(block);
      }
    }
  }

  function blockOf(element) {
    return element.closest(".para-block");
  }

  function openCard(card, { scroll = false } = {}) {
    const block = blockOf(card);
    if (!block) return;
    for (const other of reader.querySelectorAll(".note--open")) {
      if (other !== card) {
        other.classList.remove("note--open");
        const otherBlock = blockOf(other);
        if (otherBlock && otherBlock !== block) place(otherBlock);
      }
    }
    liveForms(card);
    card.classList.add("note--open");
    if (card.classList.contains("note--overflow")) block.classList.add("para-block--all");
    place(block);
    activate(card.dataset.annotation, true);
    if (scroll) card.scrollIntoView({ block: "center" });
  }

  // --- Highlight and note, marked together -----------------------------------------

  let active = null;
  function activate(id, on) {
    if (!on && active !== id) return;
    for (const element of reader.querySelectorAll(".hl--active, .note--active")) {
      element.classList.remove("hl--active", "note--active");
    }
    active = on ? id : null;
    if (!on) return;
    for (const mark of reader.querySelectorAll(`mark.hl[data-annotation="${id}"]`)) {
      mark.classList.add("hl--active");
    }
    const card = document.getElementById(`a-${id}`);
    if (card) card.classList.add("note--active");
  }

  function linkedId(event) {
    const element = event.target.closest("mark.hl, .note[data-annotation]");
    return element ? element.dataset.annotation : null;
  }
  for (const [type, on] of [
    ["mouseover", true],
    ["mouseout", false],
    ["focusin", true],
    ["focusout", false],
  ]) {
    reader.addEventListener(type, (event) => {
      const id = linkedId(event);
      if (id) activate(id, on);
    });
  }

  // --- The sheet (narrow) ----------------------------------------------------------

  let borrowed = null; // {list, home}
  function closeSheet() {
    if (!sheet || sheet.hidden) return;
    if (borrowed) borrowed.home.appendChild(borrowed.list);
    borrowed = null;
    sheet.hidden = true;
  }

  function openSheet(block, id) {
    if (!sheet) return;
    closeSheet();
    const list = itemsOf(block);
    if (!list) return;
    // The passage stays in sight above the sheet.
    const mark = id && block.querySelector(`mark.hl[data-annotation="${id}"]`);
    (mark || block).scrollIntoView({ block: "start" });
    window.scrollBy(0, -72);
    liveForms(list);
    borrowed = { list, home: list.parentElement };
    sheet.querySelector(".sheet__body").appendChild(list);
    sheet.hidden = false;
    const card = id ? document.getElementById(`a-${id}`) : list.firstElementChild;
    if (card) {
      activate(card.dataset.annotation, true);
      card.scrollIntoView({ block: "start" });
    }
    sheet.querySelector(".sheet__close").focus({ preventScroll: true });
  }

  if (sheet) {
    sheet.querySelector(".sheet__close").addEventListener("click", closeSheet);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closeSheet();
    });
  }

  // --- Clicks ----------------------------------------------------------------------

  function showAnnotation(id, { scroll = true } = {}) {
    const card = document.getElementById(`a-${id}`);
    if (!card) return false;
    const block = blockOf(card);
    if (mode === "margin" && block) openCard(card, { scroll });
    else if (mode === "sheet" && block) openSheet(block, id);
    else {
      liveForms(card);
      if (scroll) card.scrollIntoView({ block: "center" });
    }
    return true;
  }

  document.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.hl");
    if (mark && window.getSelection().isCollapsed) {
      history.replaceState(null, "", `#a-${mark.dataset.annotation}`);
      showAnnotation(mark.dataset.annotation, { scroll: mode !== "margin" });
      return;
    }
    const toggle = event.target.closest(".notes__toggle");
    if (toggle) {
      openSheet(blockOf(toggle), null);
      return;
    }
    const more = event.target.closest(".notes__more");
    if (more) {
      const block = blockOf(more);
      block.classList.add("para-block--all");
      place(block);
      return;
    }
    const card = event.target.closest(".reader--margin .note");
    if (card && !card.classList.contains("note--open")) {
      if (event.target.closest("a, button, textarea, input, select")) return;
      openCard(card);
    }
  });

  // --- Highlights by keyboard ------------------------------------------------------

  // Each highlight is a tab stop named by its words ("…, show the annotation"):
  // focus marks its note (and opens it in place beside the text), Enter or Space
  // opens the thread as a click does and moves to its reply box. Set here, not in
  // the server's markup: without this script a highlight has nothing to open (the
  // notes stand under the paragraph).
  const markLabel = reader.dataset.markLabel || "{text}";
  for (const mark of reader.querySelectorAll(".reader__body mark.hl")) {
    mark.tabIndex = 0;
    mark.setAttribute("role", "button");
    mark.setAttribute("aria-label", markLabel.replace("{text}", mark.textContent));
  }

  reader.addEventListener("focusin", (event) => {
    const mark = event.target.closest(".reader__body mark.hl");
    if (!mark || mode !== "margin") return;
    const card = document.getElementById(`a-${mark.dataset.annotation}`);
    if (card && !card.classList.contains("note--open")) openCard(card);
  });

  reader.addEventListener("keydown", (event) => {
    const mark = event.target.closest(".reader__body mark.hl");
    if (!mark || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    const id = mark.dataset.annotation;
    history.replaceState(null, "", `#a-${id}`);
    showAnnotation(id, { scroll: mode !== "margin" });
    if (mode !== "margin") return; // the sheet takes the focus itself
    const reply = document.getElementById(`reply-${id}`);
    if (reply) reply.focus({ preventScroll: true });
  });

  // A reply box that grows (typing) moves the cards below it.
  reader.addEventListener("input", (event) => {
    if (mode !== "margin" || !event.target.matches(".reply-form textarea")) return;
    const block = blockOf(event.target);
    if (block) place(block);
  });

  // --- Arriving at one annotation (search, home page, notifications) ---------------

  function openFromLocation() {
    const match = /^#([ar])-(\d+)$/.exec(window.location.hash);
    const focus = new URLSearchParams(window.location.search).get("focus");
    let id = focus && /^\d+$/.test(focus) ? focus : null;
    let target = null;
    if (match) {
      target = document.getElementById(`${match[1]}-${match[2]}`);
      const card = target && target.closest(".note[data-annotation]");
      if (card) id = card.dataset.annotation;
    }
    if (!id || !showAnnotation(id)) return;
    const settle = () => {
      // A reply: scroll to it inside the opened thread.
      const at = target && match[1] === "r" ? target : document.getElementById(`a-${id}`);
      if (at && mode === "margin") at.scrollIntoView({ block: "center" });
      else if (at && match && match[1] === "r") at.scrollIntoView({ block: "center" });
    };
    settle();
    // Cards placed meanwhile above it change the page's height: once more, later.
    setTimeout(settle, 400);
  }

  setMode();
  wide.addEventListener("change", setMode);
  window.addEventListener("hashchange", openFromLocation);
  // Fonts change line breaks, hence the highlights' heights: place again once.
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (mode !== "margin") return;
      for (const block of reader.querySelectorAll(".para-block--placed")) place(block);
    }, 150);
  });
  openFromLocation();
  if (mode !== "margin" || !observer) markReady();
})();
