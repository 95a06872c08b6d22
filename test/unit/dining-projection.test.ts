import assert from "node:assert/strict";
import type { CartLine, DiningState } from "../../server/src/tables/games/dining-game.ts";
import { DiningCartState, projectDining } from "../../server/src/tables/games/dining-schema.ts";

const line = (key: string, quantity: number, extra: Partial<CartLine> = {}): CartLine => ({
  lineKey: key,
  sku: `sku-${key}`,
  quantity,
  options: { size: "L" },
  note: "",
  addedBy: ["u1"],
  holdId: `h-${key}`,
  expiresAt: 1000,
  ...extra,
});

const cart = (lines: CartLine[]): DiningState => ({ cartNo: 1, status: "open", lines, lastOrderId: null });

/** The projected lines as plain data. */
const plain = (state: DiningCartState) =>
  Array.from(state.lines).map((l) => ({ lineKey: l.lineKey, sku: l.sku, quantity: l.quantity, options: l.options, note: l.note, addedBy: Array.from(l.addedBy), expiresAt: l.expiresAt }));

const expected = (lines: CartLine[]) =>
  lines.map((l) => ({ lineKey: l.lineKey, sku: l.sku, quantity: l.quantity, options: JSON.stringify(l.options), note: l.note, addedBy: l.addedBy, expiresAt: l.expiresAt }));

describe("projectDining: the cart's lines updated in place", () => {
  it("follows every change of a line (notes and options too), keeps the line objects, and drops lines from the end", () => {
    const state = new DiningCartState();
    const steps: CartLine[][] = [
      [line("a", 1)],
      [line("a", 2), line("b", 1)],
      [line("a", 2, { note: "no salt" }), line("b", 1, { options: { size: "S" } })],
      [line("a", 2, { addedBy: ["u1", "u2"] }), line("b", 1)],
      [line("b", 1)], // the first line left: the first object now shows b
      [],
    ];
    let first = undefined as unknown;
    for (const lines of steps) {
      projectDining(cart(lines), state, []);
      assert.deepEqual(plain(state), expected(lines));
      if (lines.length > 0) {
        first ??= state.lines[0];
        assert.equal(state.lines[0], first, "the line object is reused, not rebuilt");
      }
    }
  });
});
