// New campaign: variable buttons, the message checked as it is typed, the photo uploaded as soon
// as it is chosen (with its print verdict), and formats the chosen design does not offer disabled.
// The form works without this script: the server checks everything again on submit.
const form = document.getElementById("new-campaign");
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
const message = document.getElementById("message");
const mergeFields = document.getElementById("merge_fields");
const check = document.getElementById("message-check");

if (form && message) {
  // Shown again with errors: the first field to fix has the focus.
  form.querySelector('[aria-invalid="true"]')?.focus();
  // Buttons that insert a variable where the cursor is.
  const bar = document.getElementById("variables");
  const custom = document.getElementById("custom-variables");
  bar.hidden = false;
  const insert = (name) => {
    const text = `{{${name}}}`;
    const start = message.selectionStart ?? message.value.length;
    const end = message.selectionEnd ?? start;
    message.setRangeText(text, start, end, "end");
    message.focus();
    scheduleCheck();
  };
  bar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-insert]");
    if (button) insert(button.dataset.insert);
  });
  const drawCustom = () => {
    custom.replaceChildren();
    const names = mergeFields.value
      .split(/[\s,]+/)
      .filter((n) => /^[a-z][A-Za-z0-9]{0,63}$/.test(n));
    for (const name of new Set(names)) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary small";
      b.dataset.insert = name;
      b.textContent = name;
      custom.append(b);
    }
  };
  drawCustom();

  // The message checked against the design and the variables, a moment after typing stops.
  let timer;
  let asked = 0;
  const value = (name) => form.querySelector(`[name="${name}"]:checked`)?.value ?? "";
  async function runCheck() {
    const mine = ++asked;
    const body = {
      message: message.value,
      merge_fields: mergeFields.value,
      template: value("template"),
      format: value("format"),
    };
    try {
      const res = await fetch("/campaigns/new/check", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(body),
      });
      if (mine !== asked || !res.ok) return;
      const { errors } = await res.json();
      const mine2 = errors.filter((e) =>
        ["message", "merge_fields", "template", "format"].includes(e.field),
      );
      check.textContent = mine2.map((e) => e.message).join(" · ");
      check.classList.toggle("ok", mine2.length === 0 && message.value.trim() !== "");
      if (mine2.length === 0 && message.value.trim() !== "")
        check.textContent = "✓ Every variable is known.";
      message.toggleAttribute(
        "aria-invalid",
        mine2.some((e) => e.field === "message"),
      );
    } catch {
      // Offline or the server is busy: the submit checks again.
    }
  }
  function scheduleCheck() {
    clearTimeout(timer);
    timer = setTimeout(runCheck, 300);
  }
  message.addEventListener("input", scheduleCheck);
  mergeFields.addEventListener("input", () => {
    drawCustom();
    scheduleCheck();
  });

  // Formats the chosen design comes in; the others are disabled.
  const formats = [...form.querySelectorAll('input[name="format"]')];
  const limitFormats = () => {
    const chosen = form.querySelector('input[name="template"]:checked');
    const offered = (chosen?.dataset.formats ?? "").split(" ").filter(Boolean);
    if (offered.length === 0) return;
    for (const f of formats) {
      f.disabled = !offered.includes(f.value);
      f.closest("label")?.classList.toggle("unavailable", f.disabled);
    }
    if (!formats.some((f) => f.checked && !f.disabled)) {
      const first = formats.find((f) => !f.disabled);
      if (first) first.checked = true;
    }
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "template") limitFormats();
    if (event.target.name === "template" || event.target.name === "format") {
      scheduleCheck();
      refreshVerdict();
    }
  });
  limitFormats();

  // The photo: uploaded when chosen, its verdict shown, its id kept in the form.
  const file = document.getElementById("photo");
  const photoId = document.getElementById("photo_id");
  const chosen = document.getElementById("photo-chosen");
  const preview = document.getElementById("photo-preview");
  const verdict = document.getElementById("photo-verdict");
  const detail = document.getElementById("photo-detail");
  const error = document.getElementById("photo-error");
  const show = (p) => {
    photoId.value = p.id;
    preview.src = p.preview;
    verdict.textContent = p.summary;
    verdict.className = `verdict verdict-${p.verdict}`;
    detail.textContent = `${p.filename}, ${p.width} × ${p.height} px.`;
    chosen.hidden = false;
    error.textContent = "";
  };
  async function refreshVerdict() {
    if (!photoId.value) return;
    const res = await fetch(
      `/campaigns/photos/${encodeURIComponent(photoId.value)}/verdict.json?format=${encodeURIComponent(value("format"))}`,
    );
    if (res.ok) show(await res.json());
  }
  file.addEventListener("change", async () => {
    const picked = file.files?.[0];
    if (!picked) return;
    error.textContent = "Uploading…";
    const data = new FormData();
    data.append("photo", picked, picked.name);
    try {
      const res = await fetch(
        `/campaigns/new/photo?format=${encodeURIComponent(value("format"))}`,
        {
          method: "POST",
          headers: { "x-csrf-token": csrf },
          body: data,
        },
      );
      const answer = await res.json();
      if (!res.ok) {
        error.textContent = answer.error ?? "The photo could not be used.";
        return;
      }
      show(answer);
      // Stored already: the form sends its id, not the file again.
      file.value = "";
    } catch {
      error.textContent =
        "The upload did not go through: try again, or create the campaign with the photo chosen.";
    }
  });
  document.getElementById("photo-remove").addEventListener("click", () => {
    photoId.value = "";
    file.value = "";
    chosen.hidden = true;
  });
}
