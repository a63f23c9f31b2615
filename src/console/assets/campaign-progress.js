// A campaign's progress while its cards are drawn: progress.json every second until it stops
// moving, then the page is reloaded once to show the batches. Without it, the refresh link works.
const section = document.getElementById("progress");
if (section?.dataset.moving) {
  const bar = document.getElementById("progress-bar");
  const status = document.getElementById("campaign-status");
  const fmt = new Intl.NumberFormat("en-US");
  const put = (k, v) => {
    const el = section.querySelector(`[data-k="${k}"]`);
    if (el) el.textContent = k === "percent" ? String(v) : fmt.format(v);
  };
  let failures = 0;
  const tick = async () => {
    try {
      const res = await fetch(section.dataset.url, { headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(String(res.status));
      const p = await res.json();
      failures = 0;
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
      for (const k of ["done", "total", "percent", "rendered", "failed"]) put(k, p[k]);
      status.textContent = p.status;
      status.className = `status status-${p.status}`;
      if (!p.moving) {
        document.getElementById("progress-refresh")?.remove();
        document.getElementById("progress-done").hidden = false;
        // Once: the batches and failed cards are on the page as the server draws it.
        if (!sessionStorage.getItem(`reloaded:${p.id}:${p.status}`)) {
          sessionStorage.setItem(`reloaded:${p.id}:${p.status}`, "1");
          location.reload();
        }
        return;
      }
    } catch {
      failures++;
    }
    // Backs off when the server does not answer, up to 10 s.
    setTimeout(tick, Math.min(10_000, 1000 * 2 ** failures));
  };
  setTimeout(tick, 1000);
}
