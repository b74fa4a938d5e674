// The room's sign-in screen: a new code when the current one ends, and the list of
// who has signed in, every few seconds. Both come from small JSON views; names are
// put in as text, never as markup. The code's SVG is drawn by our server (segno).
(function () {
  "use strict";
  var screen = document.querySelector(".signin-screen");
  if (!screen) return;
  var codeBox = screen.querySelector("[data-code]");
  var codeMessage = screen.querySelector("[data-code-message]");
  var lateLabel = screen.dataset.lateLabel;
  var pendingLabel = screen.dataset.pendingLabel;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
  }

  function showCode(data) {
    codeBox.textContent = "";
    if (data.open) {
      // Parsed as HTML, like the page's own inline <svg> (segno writes no xmlns);
      // DOMParser runs no script, and only the <svg> element is taken.
      var parsed = new DOMParser().parseFromString(data.svg, "text/html");
      var svg = parsed.body.querySelector("svg");
      if (svg) codeBox.appendChild(document.importNode(svg, true));
      codeBox.dataset.url = data.url;
      codeMessage.textContent = codeMessage.dataset.openText;
    } else {
      delete codeBox.dataset.url;
      codeMessage.textContent = data.message;
    }
  }

  function refreshCode() {
    getJSON(screen.dataset.codeUrl)
      .then(function (data) {
        showCode(data);
        setTimeout(refreshCode, (data.refresh || 30) * 1000 + 300);
      })
      .catch(function () { setTimeout(refreshCode, 5000); });
  }

  function item(text, time, badge) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "signin-names__name";
    name.textContent = text;
    li.appendChild(name);
    if (time) {
      var when = document.createElement("span");
      when.className = "signin-names__time";
      when.textContent = time;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(when);
    }
    if (badge) {
      var mark = document.createElement("span");
      mark.className = "badge" + (badge === lateLabel ? " badge--late" : "");
      mark.textContent = badge;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(mark);
    }
    return li;
  }

  function showBoard(data) {
    screen.querySelector("[data-expected]").textContent = data.expected;
    screen.querySelector("[data-signed]").textContent = data.signed;
    var members = screen.querySelector("[data-members]");
    var observers = screen.querySelector("[data-observers]");
    members.replaceChildren.apply(members, data.members.map(function (m) {
      return item(m.name, m.time, m.late ? lateLabel : "");
    }));
    observers.replaceChildren.apply(observers, data.observers.map(function (o) {
      return item(o.name, "", o.confirmed ? "" : pendingLabel);
    }));
  }

  function refreshBoard() {
    getJSON(screen.dataset.boardUrl)
      .then(showBoard)
      .catch(function () {})
      .then(function () {
        setTimeout(refreshBoard, (Number(screen.dataset.boardRefresh) || 3) * 1000);
      });
  }

  setTimeout(refreshCode, (Number(screen.dataset.codeRefresh) || 30) * 1000 + 300);
  setTimeout(refreshBoard, (Number(screen.dataset.boardRefresh) || 3) * 1000);
})();
