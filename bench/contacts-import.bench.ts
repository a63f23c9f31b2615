/**
 * Contacts CSV import through the API, end to end: 100,000 contacts (birthdays in several formats,
 * some month-day only, a few placeholders; anniversaries, spouses, children, tags, do-not-mail,
 * External IDs) POSTed as text/csv to a running API process (real HTTP, real PostgreSQL), the way
 * `npm start` runs it. The same file is then imported again: every row is an update by External ID.
 * Prints rows/s, wall seconds, the API process's CPU seconds and its peak memory.
 */
import { readFileSync } from "node:fs";
import { peakRssMb, startBenchApi, stop } from "./support/processes.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const FIRST = [
  "Zoë",
  "José",
  "Łukasz",
  "Αθηνά",
  "Дмитрий",
  "Anna",
  "Ben",
  "Chloe",
  "David",
  "Emma",
];
const LAST = ["Ångström", "Núñez", "Żółć", "Smith", "Jones", "Brown", "Lee", "Garcia", "Miller"];
const BIRTHDAYS = (i: number) =>
  [
    `19${50 + (i % 50)}-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`,
    `${1 + (i % 12)}/${1 + (i % 28)}/19${60 + (i % 40)}`,
    `--${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`,
    "March 14",
    "",
    i % 2 ? "1900-01-01" : "01/01/1970",
  ][i % 6];

function contactsCsv(rows: number): Buffer {
  const lines = [
    "External ID,First Name,Last Name,Street,City,State,Zip,Email,Birthday,Anniversary,Spouse / Partner,Children,Tags,Do Not Mail,Last Purchase",
  ];
  for (let i = 0; i < rows; i++) {
    const zip = String(10000 + ((i * 7919) % 89999)).padStart(5, "0");
    lines.push(
      [
        `crm-${i}`,
        FIRST[i % FIRST.length],
        `${LAST[i % LAST.length]} ${i}`,
        `${100 + i} Main Street`,
        "Springfield",
        "IL",
        zip,
        `person${i}@example.com`,
        BIRTHDAYS(i),
        i % 3 === 0
          ? `20${String(i % 20).padStart(2, "0")}-06-${String(1 + (i % 28)).padStart(2, "0")}`
          : "",
        i % 2 ? "Sam" : "",
        i % 4 === 0 ? '"Anna, Ben and Cleo"' : "",
        i % 5 === 0 ? "vip;golf" : "customer",
        i % 50 === 0 ? "yes" : "",
        "boiler service",
      ].join(","),
    );
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`);
}

/** User + system CPU seconds a process has used (Linux /proc, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const { api, base, auth } = await startBenchApi("contacts");
const csv = contactsCsv(ROWS);
console.log(`CSV: ${ROWS.toLocaleString("en-US")} contacts, ${(csv.length / 1e6).toFixed(1)} MB`);

async function run(label: string, expect: "created" | "updated") {
  const pid = api.pid as number;
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const res = await fetch(`${base}/v1/contacts/import`, {
    method: "POST",
    headers: { ...auth, "content-type": "text/csv" },
    body: csv,
  });
  const body = (await res.json()) as Record<string, number>;
  const wall = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - cpuBefore;
  if (res.status !== 201 || body[expect] !== ROWS)
    throw new Error(`${label}: ${res.status} ${JSON.stringify(body).slice(0, 400)}`);
  console.log(
    `${label}: ${Math.round(ROWS / wall).toLocaleString("en-US")} rows/s, wall ${wall.toFixed(2)} s, API CPU ${cpu.toFixed(2)} s (${body.warned} rows warned: placeholder dates)`,
  );
}

await run("import, all new", "created");
await run("import again, all updates by External ID", "updated");
console.log(`API peak RSS: ${peakRssMb(api.pid as number)} MB`);
await stop(api);
