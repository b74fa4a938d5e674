// The handout's "Print" button.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
