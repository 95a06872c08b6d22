import { useEffect } from "preact/hooks";
import { connectionStatus } from "./connection-status.ts";
import { currentError, dismissError } from "./errors.ts";
import { href, useRoute, type Route } from "./router.ts";
import { signedInAs } from "./session.ts";
import { useStore } from "./store.ts";
import { LobbyView } from "./views/lobby.tsx";
import { OpsView } from "./views/ops.tsx";
import { SaleView } from "./views/sale.tsx";
import { TableView } from "./views/table.tsx";

const STATUS_TEXT: Record<string, string> = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting",
  restored: "restored",
  lost: "lost",
  replaced: "moved to another tab",
  closed: "closed",
};

function Header() {
  const status = useStore(connectionStatus);
  const name = useStore(signedInAs);
  return (
    <header class="top">
      <a class="brand" href="#/">
        <img src="/favicon.ico" alt="" width={20} height={20} />
        Holdfast
      </a>
      <nav class="links">
        <a href="#/">Lobby</a>
        <a href="#/ops" title="Operator console">Ops</a>
      </nav>
      <span class="spacer" />
      {name !== null ? (
        <span class="who" data-testid="who">
          {name}
        </span>
      ) : null}
      <span class={`pill status-${status}`} data-testid="status" data-status={status} role="status" aria-live="polite">
        {STATUS_TEXT[status] ?? status}
      </span>
    </header>
  );
}

function ErrorBanner() {
  const error = useStore(currentError);
  if (!error) return <div class="error-slot" data-testid="error" />;
  return (
    <div class="error-slot" role="alert">
      <div class="banner error" data-testid="error">
        <span>{error.text}</span>
        <button type="button" class="link" onClick={() => dismissError(error.id)} aria-label="Dismiss error">
          ×
        </button>
      </div>
    </div>
  );
}

function View({ route }: { route: Route }) {
  switch (route.name) {
    case "lobby":
      return <LobbyView />;
    case "table":
      return <TableView key={route.id} tableId={route.id} />;
    case "sale":
      return <SaleView key={route.id} saleId={route.id} />;
    case "ops":
      return <OpsView />;
    case "not_found":
      return (
        <section class="panel">
          <h2>Nothing here</h2>
          <p>
            There is no page at <code>{route.path}</code>. <a href={href({ name: "lobby" })}>Back to the lobby</a>.
          </p>
        </section>
      );
  }
}

export function App() {
  const route = useRoute();
  useEffect(() => window.scrollTo(0, 0), [route.name]);
  return (
    <>
      <Header />
      <ErrorBanner />
      <main data-route={route.name}>
        <View route={route} />
      </main>
      <footer class="foot">Holdfast: an open room server for tables, seats and flash sales.</footer>
    </>
  );
}
