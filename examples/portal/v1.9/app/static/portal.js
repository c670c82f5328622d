// Customer Portal v1.9: show the version the server reports.
fetch("/version").then(r => r.text()).then(v => {
  document.body.insertAdjacentHTML("beforeend", "<footer>v" + v.trim() + "</footer>");
});
