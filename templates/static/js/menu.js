// The header's menu behind a button on small screens (< 768 px): the button opens and closes it.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest(".menu-toggle");
  if (!button) return;
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  document.getElementById(button.getAttribute("aria-controls")).classList.toggle("open", open);
});
