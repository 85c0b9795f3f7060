// Reference import job page (admin): polls the job's progress while it runs; reloads the page
// when it ends so the preview (or the confirm's outcome) shows.
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.running !== "1") return;
  function tick() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("import-status").textContent = job.status_label;
        document.getElementById("import-done").textContent = job.rows_done;
        document.getElementById("import-total").textContent = job.rows_total;
        document.getElementById("import-percent").textContent = job.progress;
        document.getElementById("import-bar").value = job.progress;
        if (job.finished) { window.location.reload(); } else { setTimeout(tick, 1000); }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();
