// Progress bars of background jobs (articles/jobs/_progress.html): poll the job's
// JSON view every second and update the bar; when a job that was running at page
// load finishes, reload the page so the server renders its result.
(function () {
  "use strict";

  function text(root, role, value) {
    var node = root.querySelector('[data-role="' + role + '"]');
    if (node) {
      node.textContent = value || "";
      node.hidden = !value;
    }
  }

  function watch(root) {
    var url = root.getAttribute("data-job-progress");
    var bar = root.querySelector("progress");

    function update(job) {
      bar.max = job.total || 1;
      bar.value = job.done;
      bar.textContent = job.percent + "%";
      text(root, "state", job.state_label);
      text(root, "counts", job.counts);
      text(root, "elapsed", job.elapsed);
      text(root, "remaining", job.remaining);
      root.setAttribute("data-state", job.state);
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (job) {
          update(job);
          if (job.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }

    if (root.getAttribute("data-finished") !== "1") {
      window.setTimeout(poll, 500);
    }
  }

  document.querySelectorAll("[data-job-progress]").forEach(watch);
})();
