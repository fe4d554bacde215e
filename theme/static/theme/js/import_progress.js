/* A running catalogue import's page: asks the status address how far the
   worker has got and updates the progress bar and its label in place; the
   status line (role="status", read out politely) changes only when its words
   do, so a screen reader is not told the same thing every few seconds. Once
   the worker has finished, the page loads again, once, to show the report
   (shop_ext/catalogue/admin.py, import_status_view). */
(function () {
  "use strict";

  function start() {
    var job = document.getElementById("import-job");
    if (!job || !job.dataset.statusUrl) return;
    var status = document.getElementById("import-status");
    var rows = document.getElementById("import-rows");
    var progress = document.getElementById("import-progress");
    var every = (parseInt(job.dataset.refreshSeconds, 10) || 2) * 1000;

    function show(data) {
      if (!data.running) {
        window.location.reload();
        return;
      }
      if (status.textContent !== data.status) {
        status.replaceChildren(document.createElement("strong"));
        status.firstChild.textContent = data.status;
      }
      if (rows.textContent !== data.rows) rows.textContent = data.rows;
      progress.max = data.total || 1;
      if (data.total) progress.value = data.done;
      progress.textContent = data.done + " / " + data.total;
      window.setTimeout(poll, every);
    }

    function poll() {
      fetch(job.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(show)
        .catch(function () { window.setTimeout(poll, every * 5); });
    }

    window.setTimeout(poll, every);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
