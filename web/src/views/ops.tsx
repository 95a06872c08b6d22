/**
 * The operator console (`#/ops`): admins and branch staff. Reserved here; the console
 * itself talks to the operator API (`/api/admin/...`).
 */
export function OpsView() {
  return (
    <section class="panel" data-testid="ops">
      <h2>Operator console</h2>
      <p class="muted">The operator console is not available yet.</p>
    </section>
  );
}
