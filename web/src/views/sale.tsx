export function SaleView({ saleId }: { saleId: string }) {
  return (
    <section class="panel">
      <h2>Sale {saleId}</h2>
    </section>
  );
}
