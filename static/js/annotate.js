// Select a passage in a paragraph and annotate it; click a highlight to read its notes.
//
// Without this script every paragraph still has a plain form that annotates the
// whole paragraph. With it, a selection inside one paragraph fills that form with the
// selected passage. Offsets are sent as the browser counts them (UTF-16 code units,
// unit=utf16); the server converts them to code points and checks the quote.
(() => {
  "use strict";

  const popup = document.querySelector(".annotate-popup");
  let pending = null; // {paragraph, start, end, quote}

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
    };
  }

  function hidePopup() {
    if (popup) popup.hidden = true;
  }

  function showPopup() {
    pending = currentSelection();
    if (!popup || !pending) {
      hidePopup();
      return;
    }
    popup.hidden = false;
    const width = popup.offsetWidth;
    const left = Math.min(
      Math.max(window.scrollX + 8, window.scrollX + pending.rect.left),
      window.scrollX + document.documentElement.clientWidth - width - 8,
    );
    popup.style.left = `${left}px`;
    popup.style.top = `${window.scrollY + pending.rect.bottom + 8}px`;
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

  // Clicking a highlight opens the paragraph's notes at that annotation.
  function openAnnotation(id) {
    const item = document.getElementById(`a-${id}`);
    if (!item) return;
    const details = item.closest("details");
    if (details) details.open = true;
    item.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  document.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.hl");
    if (!mark || !window.getSelection().isCollapsed) return;
    history.replaceState(null, "", `#a-${mark.dataset.annotation}`);
    openAnnotation(mark.dataset.annotation);
  });

  function openFromHash() {
    const match = /^#([ar])-(\d+)$/.exec(window.location.hash);
    if (!match) return;
    const target = document.getElementById(`${match[1]}-${match[2]}`);
    const details = target && target.closest("details");
    if (details && !details.open) {
      details.open = true;
      target.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
})();
