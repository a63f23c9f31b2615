// Contacts import: while the file uploads, the button says so and cannot be pressed twice.
for (const form of document.querySelectorAll("form[data-import]")) {
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (!button) return;
    button.disabled = true;
    button.textContent = "Importing…";
  });
}
