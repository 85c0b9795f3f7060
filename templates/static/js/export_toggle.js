// The admin export page's "Tout sélectionner" toggle (templates/admin/import_export/export.html):
// django-import-export wires it with an inline handler, which the CSP refuses; wired here instead.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".select-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", onSelectToggleChange);  // from import_export/export_selectable_fields.js
  });
});
