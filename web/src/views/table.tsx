const SIT_ON_ARRIVAL = "holdfast:sit-on-arrival";

/** The lobby's "Join": the table view takes a free seat once it has joined. */
export function requestSeatOnArrival(tableId: string): void {
  sessionStorage.setItem(SIT_ON_ARRIVAL, tableId);
}

export function TableView({ tableId }: { tableId: string }) {
  return (
    <section class="panel">
      <h2>{tableId}</h2>
    </section>
  );
}
