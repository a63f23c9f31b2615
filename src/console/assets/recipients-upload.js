// The drop zone of the recipients page: a file dropped on it goes into its file input, and the
// form is sent as if the person had chosen it and pressed Upload. Without this script the input
// and the button do the same.
for (const zone of document.querySelectorAll("[data-dropzone]")) {
  const input = zone.querySelector('input[type="file"]');
  const form = zone.closest("form");
  if (!input || !form) continue;
  const over = (on) => (event) => {
    event.preventDefault();
    zone.classList.toggle("over", on);
  };
  zone.addEventListener("dragenter", over(true));
  zone.addEventListener("dragover", over(true));
  zone.addEventListener("dragleave", over(false));
  zone.addEventListener("drop", (event) => {
    over(false)(event);
    const files = event.dataTransfer?.files;
    if (!files || files.length === 0) return;
    input.files = files;
    form.requestSubmit();
  });
  form.addEventListener("submit", () => {
    const button = form.querySelector('button[type="submit"]');
    if (button) {
      button.disabled = true;
      button.textContent = "Uploading…";
    }
  });
}
