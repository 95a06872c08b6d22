import { ErrorCode, type SaleStatus } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { SalePauses } from "../sales/sale-pauses.ts";
import type { Sale } from "../sales/sale-repository.ts";
import type { SaleService } from "../sales/sale-service.ts";

/** A sale in the operator console. */
export interface OperatorSaleView {
  saleId: string;
  sku: string;
  quantity: number;
  startsAt: string;
  endsAt: string | null;
  admission: Sale["admission"];
  status: SaleStatus;
  /** Epoch ms an operator paused admission, null while admitting. */
  pausedAt: number | null;
  stockRemaining: number;
  /** Buyers waiting in line. */
  queueLength: number;
  admittedTotal: number;
  /** Admitted buyers who have not placed a hold yet. */
  outstanding: number;
  /** Observed admissions per second over the last seconds (null before it can be said). */
  admissionRatePerSecond: number | null;
  /** Seconds until the last in line is admitted at the observed rate; null when unknown (no rate, paused, sold out). */
  etaSeconds: number | null;
}

/** The sale numbers operators watch, and the pause that stops admission on every node. */
export class SaleOperations {
  constructor(
    private readonly sales: SaleService,
    private readonly pauses: SalePauses,
  ) {}

  /** Sales that are not over yet, newest start first. */
  async list(): Promise<OperatorSaleView[]> {
    const paused = await this.pauses.all();
    const sales = this.sales.liveSales().sort((a, b) => b.startsAt - a.startsAt);
    return Promise.all(sales.map((s) => this.view(s.saleId, paused.get(s.saleId) ?? null)));
  }

  async pause(saleId: string): Promise<OperatorSaleView> {
    await this.known(saleId);
    // Idempotent: a repeated or replayed pause keeps the time of the first.
    const already = await this.pauses.pausedAt(saleId);
    if (already !== null) return this.view(saleId, already);
    const at = Date.now();
    await this.pauses.pause(saleId, at);
    return this.view(saleId, at);
  }

  async resume(saleId: string): Promise<OperatorSaleView> {
    await this.known(saleId);
    await this.pauses.resume(saleId);
    return this.view(saleId, null);
  }

  private async known(saleId: string): Promise<void> {
    const sale = await this.sales.get(saleId);
    if (sale.endsAt !== null && sale.endsAt <= Date.now()) throw new AppError(ErrorCode.SALE_NOT_OPEN, `sale ${saleId} has ended`);
  }

  private async view(saleId: string, pausedAt: number | null): Promise<OperatorSaleView> {
    const snap = await this.sales.snapshot(saleId);
    const { sale, stats } = snap;
    const rate = snap.ratePerSecond;
    const eta = pausedAt === null && rate && rate > 0 && snap.stockRemaining > 0 ? Math.ceil(stats.length / rate) : null;
    return {
      saleId: sale.saleId,
      sku: sale.sku,
      quantity: sale.quantity,
      startsAt: new Date(sale.startsAt).toISOString(),
      endsAt: sale.endsAt === null ? null : new Date(sale.endsAt).toISOString(),
      admission: sale.admission,
      status: snap.status,
      pausedAt,
      stockRemaining: snap.stockRemaining,
      queueLength: stats.length,
      admittedTotal: stats.admittedTotal,
      outstanding: stats.outstanding,
      admissionRatePerSecond: rate === null ? null : Math.round(rate * 100) / 100,
      etaSeconds: stats.length === 0 ? 0 : eta,
    };
  }
}
