/* "Ajouter une ligne" for Django formsets, without a page reload.
   Markup: <div data-formset="PREFIX"> holding the management form, a <template data-empty-form>
   (formset.empty_form, "__prefix__" and "__number__" placeholders), a [data-formset-rows] container
   and a [data-formset-add] button. Without JavaScript the button posts and the server adds the row. */
(function () {
  "use strict";
  document.querySelectorAll("[data-formset]").forEach(function (box) {
    var prefix = box.getAttribute("data-formset");
    var total = box.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = box.querySelector("template[data-empty-form]");
    var rows = box.querySelector("[data-formset-rows]");
    var add = box.querySelector("[data-formset-add]");
    if (!total || !template || !rows || !add) { return; }
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = rows.lastElementChild && rows.lastElementChild.querySelector("input:not([type=hidden]), select");
      if (first) { first.focus(); }
    });
  });
})();
