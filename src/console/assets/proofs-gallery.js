// Proofs gallery: a card's link opens its picture full size in a <dialog> (Escape or Close shuts
// it, and focus goes back to the card). Without this script the link opens the PNG itself.
const dialog = document.getElementById("enlarged");
const big = dialog?.querySelector("img");
let opener = null;
if (dialog && big && typeof dialog.showModal === "function") {
  for (const link of document.querySelectorAll("a[data-enlarge]")) {
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      opener = link;
      big.src = link.href;
      big.alt = link.querySelector("img")?.alt ?? "";
      dialog.showModal();
    });
  }
  dialog.addEventListener("close", () => {
    opener?.focus();
    opener = null;
  });
  // A click on the backdrop (outside the picture) closes it too.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}
