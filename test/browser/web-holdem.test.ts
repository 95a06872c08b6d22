import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { http } from "../support/http.ts";
import { adminToken } from "../support/e2e.ts";
import { assertNoConsoleErrors, BrowserRig, shoot, tabTo, UI_TIMEOUT_MS } from "./web-browser.ts";

const JWT_SECRET = `web-holdem-${randomUUID()}`;

/** Polls until `check` is true (a page state spread over several pages). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The page whose player is to act (its action bar shows). */
async function actor(...pages: Page[]): Promise<Page> {
  let found: Page | undefined;
  await until("someone's turn", async () => {
    for (const p of pages) if (await p.getByTestId("action-bar").isVisible()) found = p;
    return found !== undefined;
  });
  return found!;
}

/**
 * The page whose action bar offers `selector`. Right after an action, the acting page
 * can still show its bar until the state patch arrives: waiting for the wanted button
 * (not any bar) picks the player whose turn it really is.
 */
async function actorOffering(selector: string, ...pages: Page[]): Promise<Page> {
  let found: Page | undefined;
  await until(`someone offered ${selector}`, async () => {
    for (const p of pages) if (await p.locator(selector).isVisible()) found = p;
    return found !== undefined;
  });
  return found!;
}

const holeCards = (page: Page) => page.getByTestId("my-cards").locator("[data-card]").evaluateAll((els) => els.map((e) => e.getAttribute("data-card")!));
const boardCards = (page: Page) => page.getByTestId("board").locator("[data-card]").count();
const history = (page: Page) => page.getByTestId("events").innerText();

/**
 * The Hold'em table in real Chromium: two players play a hand (one acting by keyboard),
 * a spectator never gets a hole card (neither in the page nor over the network), a
 * reload mid-hand keeps the seat and the cards, a second tab takes the seat over, and a
 * closed tab shows as away with a countdown.
 */
describe("web app: Hold'em table (Chromium)", function () {
  this.timeout(300_000);
  const rig = new BrowserRig();

  before(async function () {
    this.timeout(300_000);
    await rig.start(this, { JWT_SECRET, SEAT_GRACE_SECONDS: "120", TURN_SECONDS: "120" });
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed") await rig.shootAll(this.currentTest.title);
  });
  after(() => rig.stop());

  it("two players play a hand; a spectator sees no hole card; reload and a new tab keep the seat; a closed tab shows away", async () => {
    const tableId = `web-${randomUUID().slice(0, 6)}`;
    const admin = adminToken(JWT_SECRET);
    const created = await http(rig.server.url, "POST", "/api/tables", { token: admin, body: { tableId, kind: "holdem", seats: 6, options: { bigBlind: 10, minBuyIn: 100, maxBuyIn: 1000 } } });
    assert.equal(created.status, 201);

    const visitor = await rig.open("#/");
    await visitor.page.getByTestId("signin").waitFor();
    await shoot(visitor.page, "landing");

    const ada = await rig.guest("Ada");
    const bob = await rig.guest("Bob");
    const sam = await rig.guest("Sam");
    // The lobby list is live: Ada's seat shows up on Bob's lobby without a reload.
    await ada.page.locator(`button[data-join="${tableId}"]`).click();
    await ada.page.getByTestId("you-are").filter({ hasText: "You are in seat" }).waitFor();
    await bob.page.getByTestId(`seated-${tableId}`).filter({ hasText: "1/6" }).waitFor();
    await shoot(bob.page, "lobby");

    // The spectator records every WebSocket frame it receives.
    const frames: Buffer[] = [];
    sam.page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(Buffer.from(f.payload as string | Buffer))));
    await sam.page.locator(`button[data-watch="${tableId}"]`).click();
    await sam.page.getByTestId("you-are").filter({ hasText: "You are watching" }).waitFor();

    await bob.page.locator(`button[data-join="${tableId}"]`).click();
    await bob.page.getByTestId("you-are").filter({ hasText: "You are in seat" }).waitFor();

    // Both are dealt in.
    await until("two hole cards each", async () => (await holeCards(ada.page)).length === 2 && (await holeCards(bob.page)).length === 2);
    const adaCards = await holeCards(ada.page);
    const bobCards = await holeCards(bob.page);
    assert.equal(await ada.page.getByTestId("status").textContent(), "connected");

    // Preflop: the first to act calls, by keyboard (Tab to the action, Enter).
    const first = await actor(ada.page, bob.page);
    const second = first === ada.page ? bob.page : ada.page;
    assert.equal(await second.getByTestId("action-bar").count(), 0, "no action bar out of turn");
    assert.equal(await first.locator('[data-act="check"]').count(), 0, "no check with a blind to call");
    assert.match((await first.locator('[data-act="call"]').textContent()) ?? "", /^Call 5$/);
    await shoot(first, "holdem-your-turn");
    await tabTo(first, '[data-act="call"]');
    await first.keyboard.press("Enter");
    await second.getByTestId("events").filter({ hasText: /(Ada|Bob) calls 5/ }).waitFor();
    // The big blind checks: the flop comes for everyone, the spectator included.
    await (await actorOffering('[data-act="check"]', ada.page, bob.page)).locator('[data-act="check"]').click();
    await until("the flop on every page", async () => (await boardCards(ada.page)) === 3 && (await boardCards(bob.page)) === 3 && (await boardCards(sam.page)) === 3);

    // The spectator: no action bar, no cards of its own, no hole card in the page or on the wire.
    assert.equal(await sam.page.getByTestId("action-bar").count(), 0);
    assert.equal(await sam.page.getByTestId("my-cards").count(), 0);
    const shown = await sam.page.locator("[data-card]").evaluateAll((els) => els.map((e) => e.getAttribute("data-card")));
    const samText = await sam.page.locator("main").innerText();
    for (const card of [...adaCards, ...bobCards]) {
      assert.ok(!shown.includes(card), `the spectator's page shows ${card}`);
      // Cards travel as 2-character strings (msgpack fixstr 0xa2 in messages and state patches).
      const wire = Buffer.concat([Buffer.from([0xa2]), Buffer.from(card)]);
      assert.ok(!frames.some((f) => f.includes(wire)), `the spectator received ${card} over the WebSocket`);
    }
    assert.ok(frames.length > 0, "the spectator's frames were recorded");
    assert.match(samText, /(Ada|Bob) calls 5/, "readable history");
    await shoot(sam.page, "holdem-spectator");

    // A readable history: names and amounts, no ids, no deck commitments, no JSON.
    const userIds = await Promise.all([ada, bob].map((p) => p.page.evaluate(() => JSON.parse(localStorage.getItem("holdfast:session") ?? "{}").userId as string)));
    const text = await history(ada.page);
    for (const id of userIds.filter(Boolean)) assert.ok(!text.includes(id), "a user id in the history");
    assert.doesNotMatch(text, /deck|commit|[{}"]/i);
    assert.match(text, /Hand #1 starts/);
    assert.match(text, /posts? the small blind 5/);

    // Reload mid-hand: same seat, same cards.
    const adaSeat = await ada.page.locator(".seat.mine").getAttribute("data-testid");
    await ada.page.reload();
    await until("Ada's cards after the reload", async () => (await holeCards(ada.page)).length === 2);
    assert.deepEqual(await holeCards(ada.page), adaCards);
    assert.equal(await ada.page.locator(".seat.mine").getAttribute("data-testid"), adaSeat);
    await ada.page.getByTestId("status").filter({ hasText: "connected" }).waitFor();
    // The history tells the hand so far again (read from the events API), each event once,
    // with Ada's own cards and no one else's.
    const adaEvents = ada.page.getByTestId("events");
    for (const line of ["Hand #1 starts", /posts? the small blind 5/, /(You call|Bob calls) 5/, /You are dealt /, /(You check|Bob checks)/, /Flop: /]) {
      await adaEvents.filter({ hasText: line }).waitFor();
    }
    assert.equal(await adaEvents.locator("li", { hasText: "Hand #1 starts" }).count(), 1, "each event once");
    assert.equal(await adaEvents.locator("li", { hasText: /dealt/ }).count(), 1, "only Ada's own deal is told");

    // Flop: a bet of 40 (the amount typed), then a fold; the pot goes to the bettor.
    const bettor = await actorOffering('[data-act="bet"]', ada.page, bob.page);
    const folder = bettor === ada.page ? bob.page : ada.page;
    const bettorName = bettor === ada.page ? "Ada" : "Bob";
    await bettor.getByTestId("raise-to").fill("40");
    await bettor.locator('[data-act="bet"]').click();
    await folder.getByTestId("events").filter({ hasText: `${bettorName} bets 40` }).waitFor();
    assert.match((await folder.locator('[data-act="call"]').textContent()) ?? "", /^Call 40$/);
    assert.match((await folder.locator('[data-act="raise"]').textContent()) ?? "", /^Raise to 80$/);
    await folder.locator('[data-act="fold"]').click();
    await sam.page.getByTestId("results").filter({ hasText: `${bettorName} wins` }).waitFor();
    // The next hand starts with a clean board.
    await sam.page.getByTestId("events").filter({ hasText: "Hand #2 starts" }).waitFor();
    await until("an empty board for hand 2", async () => (await boardCards(sam.page)) === 0);
    await shoot(sam.page, "holdem-results");
    await shoot(ada.page, "holdem-player");

    // A second tab of Ada's browser takes the seat over; the first says so and can take it back.
    const adaTab2 = await rig.newTab(ada, `#/table/${tableId}`);
    await until("Ada's cards in the new tab", async () => (await holeCards(adaTab2)).length === 2);
    await ada.page.getByTestId("replaced").waitFor();
    await ada.page.getByTestId("status").filter({ hasText: "moved to another tab" }).waitFor();
    await shoot(ada.page, "holdem-replaced");
    await adaTab2.close();

    // Bob's tab closes: his seat shows away, with the seconds of grace left.
    const bobSeat = Number((await bob.page.locator(".seat.mine").getAttribute("data-testid"))!.replace("seat-", ""));
    await bob.context.close();
    const countdown = sam.page.getByTestId(`countdown-${bobSeat}`);
    await countdown.waitFor();
    assert.match((await countdown.textContent()) ?? "", /away, \d+ s left/);
    assert.equal(await sam.page.getByTestId(`seat-${bobSeat}`).getAttribute("data-status"), "away");

    assertNoConsoleErrors(visitor, ada, bob, sam);
  });
});
