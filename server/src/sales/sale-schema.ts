import { Schema, type } from "@colyseus/schema";

/** Colyseus state of a `sale` room (contract: SaleState): the same for every viewer. */
export class SaleState extends Schema {
  @type("string") saleId: string = "";
  /** upcoming | open | sold_out | ended */
  @type("string") status: string = "upcoming";
  @type("number") stockRemaining: number = 0;
  @type("number") queueLength: number = 0;
  /** Admissions so far. */
  @type("number") admitted: number = 0;
}
