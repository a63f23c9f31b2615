/**
 * The pen's cost: milliseconds per card, one PDF per recipient, for the handwritten note and the
 * thank-you design (same 5x7 format, message, shared photo and recipients), median of 3 runs
 * after a warm-up: wall time, and CPU time (the machine is shared, so wall time is noisy).
 *
 *   node --import tsx bench/handwriting.bench.ts [--cards N]
 */
import { type CardData, loadBuiltinTemplate, renderCard } from "../src/render/index.ts";
import { makePhoto } from "./render-photos.ts";

const args = process.argv.slice(2);
const CARDS = Number(args[args.indexOf("--cards") + 1] ?? 0) || 300;
const MESSAGE = `Dear {{firstName}},

Thank you for choosing {{businessName}}. We loved building your table and hope it brings you years of good meals and long conversations. Customers like you keep our small workshop going, and we are grateful for every project. Enjoy it!`;
const NAMES = [
  "Emma Smith",
  "Liam Brown",
  "Zoë Ångström",
  "Łukasz Żółć",
  "Mia Young",
  "Noah Clark",
];

function recipient(i: number): CardData {
  const fullName = `${NAMES[i % NAMES.length]} ${i}`;
  const [firstName = fullName, ...rest] = fullName.split(" ");
  return {
    recipient: {
      firstName,
      lastName: rest.join(" "),
      fullName,
      address: {
        line1: `${100 + i} Harbour Lane`,
        city: "Portland",
        postalCode: "97201",
        country: "US",
      },
      custom: {},
    },
    sender: { businessName: "Maple & Pine Woodworks", signature: "Maria & the team" },
    seed: `cmp_bench/rcp_${i}`,
  };
}

const photo = { id: "bench", jpeg: await makePhoto(1575, 2175, 1), widthPx: 1575, heightPx: 2175 };

interface PerCard {
  wall: number;
  cpu: number;
}

async function msPerCard(id: string): Promise<PerCard> {
  const template = await loadBuiltinTemplate(id);
  const run = async (n: number): Promise<PerCard> => {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++)
      await renderCard({
        template,
        format: "card_5x7",
        data: recipient(i),
        message: MESSAGE,
        photo,
      });
    const used = process.cpuUsage(cpu);
    return {
      wall: Number(process.hrtime.bigint() - start) / 1e6 / n,
      cpu: (used.user + used.system) / 1000 / n,
    };
  };
  await run(Math.min(50, CARDS));
  const runs = [await run(CARDS), await run(CARDS), await run(CARDS)];
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[1] as number;
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}

for (const id of ["thank-you", "handwritten-note"]) {
  const { wall, cpu } = await msPerCard(id);
  console.log(
    `${id.padEnd(17)} card_5x7  ${wall.toFixed(2)} ms/card wall, ${cpu.toFixed(2)} ms/card CPU (${CARDS} cards, median of 3)`,
  );
}
