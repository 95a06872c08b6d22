import assert from "node:assert/strict";
import { compareHands, evaluateHand, parseCards, type HandCategory } from "../../../server/src/tables/games/holdem/index.ts";

const ev = (cards: string) => evaluateHand(parseCards(cards));
/** Sign of hole `a` + board versus hole `b` + board. */
const vs = (a: string, b: string, board: string) => Math.sign(compareHands(ev(`${a} ${board}`), ev(`${b} ${board}`)));

describe("holdem evaluator", () => {
  describe("categories (best five of seven)", () => {
    const cases: [string, HandCategory, string, string][] = [
      ["As Ks Qs Js Ts 2d 3c", "straight_flush", "Royal Flush", "As Ks Qs Js Ts"],
      ["9h 8h 7h 6h 5h Ah Kd", "straight_flush", "Straight Flush, Nine high", "9h 8h 7h 6h 5h"],
      ["Ad 2d 3d 4d 5d Kc Kh", "straight_flush", "Straight Flush, Five high", "5d 4d 3d 2d Ad"],
      ["7c 7d 7h 7s Kd 2c 3c", "four_of_a_kind", "Four of a Kind, Sevens", "7c 7d 7h 7s Kd"],
      ["Qc Qd Qh 5s 5d 5c 2h", "full_house", "Full House, Queens full of Fives", "Qc Qd Qh 5s 5d"],
      ["2c 2d 2h 9s 9d Ac Kh", "full_house", "Full House, Twos full of Nines", "2c 2d 2h 9s 9d"],
      ["Ah 9h 7h 4h 2h Kd Kc", "flush", "Flush, Ace high", "Ah 9h 7h 4h 2h"],
      ["Kd Qd 9d 6d 3d 2d Ac", "flush", "Flush, King high", "Kd Qd 9d 6d 3d"],
      ["Tc 9d 8h 7s 6c 2d 2h", "straight", "Straight, Ten high", "Tc 9d 8h 7s 6c"],
      ["Ac 2d 3h 4s 5c Kd Kh", "straight", "Straight, Five high", "5c 4s 3h 2d Ac"],
      ["Ac Kd Qh Js Tc 2d 3h", "straight", "Straight, Ace high", "Ac Kd Qh Js Tc"],
      ["8c 8d 8h Ks 4c 2d 3h", "three_of_a_kind", "Three of a Kind, Eights", "8c 8d 8h Ks 4c"],
      ["Jc Jd 4h 4s Ac 2d 3h", "two_pair", "Two Pair, Jacks and Fours", "Jc Jd 4h 4s Ac"],
      ["Tc Td 6h 6s 3c 3d Kh", "two_pair", "Two Pair, Tens and Sixes", "Tc Td 6h 6s Kh"],
      ["Ac Ad 9h 7s 4c 3d 2h", "pair", "Pair of Aces", "Ac Ad 9h 7s 4c"],
      ["Ac Jd 9h 7s 4c 3d 2h", "high_card", "High Card, Ace", "Ac Jd 9h 7s 4c"],
    ];
    for (const [cards, category, description, best] of cases) {
      it(`${cards} is ${description}`, () => {
        const v = ev(cards);
        assert.equal(v.category, category);
        assert.equal(v.description, description);
        assert.deepEqual(v.best, parseCards(best));
      });
    }

    it("works with five and six cards too, and refuses fewer or more", () => {
      assert.equal(ev("As Ks Qs Js Ts").category, "straight_flush");
      assert.equal(ev("2c 2d 2h Ks Kd 3c").category, "full_house");
      assert.throws(() => ev("As Ks Qs Js"));
      assert.throws(() => ev("As Ks Qs Js Ts 9s 8s 7s"));
    });

    it("orders every category above the one below it", () => {
      const ladder = [
        "Ac Jd 9h 7s 4c 3d 2h",
        "2c 2d 9h 7s 4c 3d Kh",
        "2c 2d 3h 3s 5c 7d 9h",
        "2c 2d 2h 7s 4c 9d Kh",
        "Ac 2d 3h 4s 5c 9d Kh",
        "2h 4h 6h 8h Th Qd Kc",
        "2c 2d 2h 3s 3c 9d Kh",
        "2c 2d 2h 2s 4c 9d Kh",
        "Ac 2c 3c 4c 5c 9d Kh",
      ].map(ev);
      for (let i = 1; i < ladder.length; i++) assert.ok(compareHands(ladder[i], ladder[i - 1]) > 0, ladder[i].description);
    });
  });

  describe("kickers and ties", () => {
    it("pair: the kickers decide, down to the third", () => {
      assert.equal(vs("Ah Kd", "Ac Qd", "As 9c 7h 4d 2s"), 1);
      assert.equal(vs("Ah 8d", "Ac 6d", "As Kc Qh 4d 2s"), 1);
      assert.equal(vs("Ah 3d", "Ac 2d", "As Kc Qh Jd 9s"), 0); // fifth card is on board: split
    });

    it("two pair: higher top pair, then second pair, then kicker", () => {
      assert.equal(vs("Kh 2d", "Qh Jd", "Kc Qc 2h 7s 8d"), 1);
      assert.equal(vs("Ah 9d", "Kh 9c", "9h 5c 5d 7s 2d"), 1); // nines and fives, ace kicker beats king
      // Three pairs available: the best two plus the best remaining card.
      assert.equal(ev("Ac Ad Kh Ks Qc Qd 2h").description, "Two Pair, Aces and Kings");
      assert.deepEqual(ev("Ac Ad Kh Ks Qc Qd 2h").best.map((c) => c[0]), ["A", "A", "K", "K", "Q"]);
    });

    it("trips and quads: the kicker decides", () => {
      assert.equal(vs("Ah 2d", "Kh 3d", "7c 7d 7h 4s 5d"), 1);
      assert.equal(vs("Ah 2d", "Kh 3d", "7c 7d 7h 7s 5d"), 1);
      assert.equal(vs("6h 2d", "4h 3d", "7c 7d 7h 7s Ad"), 0); // ace on board is everyone's kicker
    });

    it("full house: trips first, then the pair; two trips make the best full house", () => {
      assert.equal(vs("Kh Kd", "Qh Qd", "Kc Qc 2h 2s 3d"), 1);
      assert.equal(ev("9c 9d 9h 4s 4c 4d 2h").description, "Full House, Nines full of Fours");
      assert.equal(vs("8h 8d", "3h 3d", "8c 3c 2h 2s 2d"), 1); // twos full of eights vs eights full of twos
    });

    it("flush: compares all five cards", () => {
      assert.equal(vs("Ah 2h", "Kh Qh", "9h 7h 4h Jc Jd"), 1);
      assert.equal(vs("3h 2c", "2h 3c", "Ah Kh 9h 7h Tc"), 1); // 3h makes A K 9 7 3 vs A K 9 7 2
      assert.equal(vs("2c 3c", "4d 5d", "Ah Kh 9h 7h 6h"), 0); // flush on board plays for both
    });

    it("straights: the wheel is the lowest, the higher straight wins, six-card runs use the top five", () => {
      assert.equal(vs("6c 2d", "Ac 2h", "3s 4d 5h Kc Kd"), 1); // six high beats the wheel
      assert.equal(ev("Ac 2d 3h 4s 5c 6d Kh").description, "Straight, Six high");
      assert.equal(vs("Ac Kd", "9c 8d", "Qh Js Tc 2d 3h"), 1);
      assert.equal(ev("Ac Kd Qh Js Tc 9s 2h").description, "Straight, Ace high");
    });

    it("straight flush beats a higher straight and the wheel flush ranks lowest", () => {
      assert.equal(vs("5h 4h", "Ac Kd", "3h 2h Ah Qs Jc"), 1);
      assert.equal(vs("6h 2c", "Ac 2d", "5h 4h 3h 2h Kd"), 1); // 6-high straight flush vs wheel straight flush
    });

    it("the board plays: identical hands split", () => {
      assert.equal(vs("2c 3d", "2h 3s", "As Ks Qs Js Ts"), 0);
      assert.equal(vs("4c 2d", "3h 2s", "Ah Kd Qc Jh Ts"), 0);
      assert.equal(vs("Ac Kd", "Ah Ks", "7c 7d 5h 5s 2c"), 0);
    });

    it("high card: all five cards count", () => {
      assert.equal(vs("Ac 3d", "Ah 2d", "Kc 9h 7s 5d Tc"), 0); // fifth best card is T on board for both
      assert.equal(vs("Ac 8d", "Ah 6d", "Kc 9h 4s 3d 2c"), 1);
    });
  });
});
