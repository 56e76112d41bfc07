// The eligibility list: the header checkbox checks or unchecks every row shown.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.querySelector(".laureat-select-page");
  if (!all) {
    return;
  }
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="applications"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
