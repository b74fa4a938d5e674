// Study sessions: small enhancements; every page works without them.
(function () {
  "use strict";

  // Attendance screen: choosing "on leave" makes the reason required and focuses it.
  document.querySelectorAll(".attendance-row").forEach(function (row) {
    var reason = row.querySelector(".reason-input");
    if (!reason) return;
    function update(focus) {
      var checked = row.querySelector("input[type=radio]:checked");
      var onLeave = checked && checked.value === "on_leave";
      reason.required = onLeave;
      row.className = row.className.replace(/attendance-row--\w+/, "attendance-row--" + (checked ? checked.value : "present"));
      if (onLeave && focus && !reason.value) reason.focus();
    }
    row.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", function () { update(true); });
    });
    update(false);
  });

  // Buttons that print the page (sign-in sheet, personal archive).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Ask before an action that locks the record.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
