// Customer Portal v2.0: show the version the server reports.
fetch("/version").then(r => r.text()).then(v => {
  document.body.insertAdjacentHTML("beforeend", "<footer>Customer Portal v" + v.trim() + "</footer>");
});
