// Polls a recalculation run's progress while it runs; reloads the page when it ends.
(function () {
  var box = document.getElementById("run-progress");
  if (!box || box.dataset.running !== "1") return;
  var fields = ["candidates", "processed", "changed", "unchanged", "failed"];
  function tick() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (run) {
        document.getElementById("run-status").textContent = run.status_label;
        document.getElementById("run-percent").textContent = run.progress;
        document.getElementById("run-bar").value = run.progress;
        fields.forEach(function (f) { document.getElementById("run-" + f).textContent = run[f]; });
        if (run.status === "succeeded" || run.status === "failed") { window.location.reload(); }
        else { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 2000);
})();
