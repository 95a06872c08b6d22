import { render } from "preact";
import { App } from "./app.tsx";
import { showError } from "./errors.ts";
import { restoreSession } from "./session.ts";
import "./style.css";

// Errors nobody caught still reach the banner instead of vanishing in the console.
window.addEventListener("unhandledrejection", (ev) => {
  ev.preventDefault();
  showError(ev.reason);
});

await restoreSession();
render(<App />, document.getElementById("app")!);
