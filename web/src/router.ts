import { useEffect, useState } from "preact/hooks";

/**
 * The page's views by URL hash, so a reload or a shared link opens the same view:
 * `#/` landing and lobby, `#/table/:id`, `#/sale/:id`, `#/ops` (operator console).
 */
export type Route =
  | { name: "lobby" }
  | { name: "table"; id: string }
  | { name: "sale"; id: string }
  | { name: "ops" }
  | { name: "not_found"; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length === 0) return { name: "lobby" };
  if (parts[0] === "table" && parts.length === 2) return { name: "table", id: parts[1] };
  if (parts[0] === "sale" && parts.length === 2) return { name: "sale", id: parts[1] };
  if (parts[0] === "ops" && parts.length === 1) return { name: "ops" };
  return { name: "not_found", path };
}

export function href(route: Route): string {
  switch (route.name) {
    case "lobby":
      return "#/";
    case "table":
      return `#/table/${encodeURIComponent(route.id)}`;
    case "sale":
      return `#/sale/${encodeURIComponent(route.id)}`;
    case "ops":
      return "#/ops";
    case "not_found":
      return `#${route.path}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
