// Copy buttons: <button data-copy="id-of-element"> copies that element's text (shown only where
// the clipboard can be written; the text stays selectable without it).
for (const button of document.querySelectorAll("button[data-copy]")) {
  const target = document.getElementById(button.dataset.copy);
  if (!target || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const value = "value" in target ? target.value : target.textContent;
    await navigator.clipboard.writeText(value.trim());
    button.textContent = "Copied";
    setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  });
}
