import { ErrorCode, type CreateHoldBody, type CreateHoldResponse, type HoldView } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { Identity } from "../identity/session-service.ts";
import type { InventoryService } from "../inventory/inventory-service.ts";
import { skuOfHoldId, type HoldRecord, type HoldStore } from "./hold-store.ts";

/** Holds over HTTP: place, read, release. Another user's hold is "not found", never "forbidden". */
export class HoldService {
  constructor(
    private readonly store: HoldStore,
    private readonly inventory: InventoryService,
    private readonly holdTtlSeconds: number,
  ) {}

  async create(identity: Identity, body: CreateHoldBody): Promise<CreateHoldResponse> {
    const hold = await this.inventory.withLoaded(body.sku, () =>
      this.store.reserve({ sku: body.sku, userId: identity.userId, quantity: body.quantity, ttlSeconds: this.holdTtlSeconds }),
    );
    return { holdId: hold.holdId, sku: hold.sku, quantity: hold.quantity, expiresAt: new Date(hold.expiresAt).toISOString() };
  }

  async get(identity: Identity, holdId: string): Promise<HoldView> {
    const hold = await this.store.get(holdId);
    if (!hold || (hold.userId !== identity.userId && !identity.isAdmin)) {
      throw new AppError(ErrorCode.HOLD_NOT_FOUND, `hold ${holdId} not found`);
    }
    return toView(hold);
  }

  /** Idempotent: releasing a released or expired hold is fine. */
  async release(identity: Identity, holdId: string): Promise<void> {
    const sku = skuOfHoldId(holdId)!;
    await this.inventory.withLoaded(sku, () => this.store.release(holdId, identity.isAdmin ? null : identity.userId));
  }
}

export function toView(h: HoldRecord): HoldView {
  return {
    holdId: h.holdId,
    sku: h.sku,
    quantity: h.quantity,
    status: h.status,
    userId: h.userId,
    expiresAt: new Date(h.expiresAt).toISOString(),
    createdAt: new Date(h.createdAt).toISOString(),
  };
}
