// What an integrator would write instead of settle (see README.md here): PortOne's official JS SDK,
// a pool of POOL promises, no persistence. Posts the exact bodies settle would
// post (settle run post --dry-run --requests FILE): orders first, then each
// payment's cancels in order.
import { readFileSync } from "node:fs";
import { PortOneClient } from "@portone/server-sdk";
const [file, baseUrl, secret, poolArg] = process.argv.slice(2);
const POOL = Number(poolArg ?? 32);
const client = PortOneClient({ secret, baseUrl });
const reqs = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const orders = reqs.filter((r) => r.path.endsWith("/order"));
const byOrderId = new Map(orders.map((r) => [r.id, r.body]));
const chains = new Map();
for (const r of reqs.filter((r) => r.path.endsWith("/order-cancel"))) {
  const o = byOrderId.get(r.body.transferId);
  const key = o.partnerId + "/" + o.paymentId;
  const { id, transferId, ...rest } = r.body;
  if (!chains.has(key)) chains.set(key, []);
  chains.get(key).push({ ...rest, partnerId: o.partnerId, paymentId: o.paymentId });
}
async function pool(items, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: POOL }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}
let failed = 0;
const t0 = performance.now();
await pool(orders, async (r) => {
  const { id, ...body } = r.body;
  try { await client.platform.transfer.createPlatformOrderTransfer(body); } catch (e) { failed++; if (failed < 3) console.error(e.message); }
});
await pool([...chains.values()], async (chain) => {
  for (const body of chain) {
    try { await client.platform.transfer.createPlatformOrderCancelTransfer(body); } catch (e) { failed++; if (failed < 6) console.error(e.message); }
  }
});
const s = (performance.now() - t0) / 1000;
const n = orders.length + [...chains.values()].reduce((a, c) => a + c.length, 0);
console.log(`${n} transfers in ${s.toFixed(2)} s: ${(n / s).toFixed(0)}/s, ${failed} failed, pool ${POOL}`);
