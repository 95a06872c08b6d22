import type { ComponentChildren } from "preact";
import { cardLabel, isRedSuit } from "./format.ts";

/** One playing card; `data-card` keeps the raw code ("As") for tests and screen readers' labels. */
export function Card({ card }: { card: string }) {
  return (
    <span class={`card ${isRedSuit(card) ? "red" : "black"}`} data-card={card} aria-label={card}>
      {cardLabel(card)}
    </span>
  );
}

/** Face-down cards (how many a player holds, never which). */
export function CardBacks({ count }: { count: number }) {
  return (
    <>
      {Array.from({ length: count }, (_, i) => (
        <span key={i} class="card back" aria-label="hidden card" />
      ))}
    </>
  );
}

export function Panel({ title, children, class: cls, testid }: { title?: string; children: ComponentChildren; class?: string; testid?: string }) {
  return (
    <section class={`panel ${cls ?? ""}`} data-testid={testid}>
      {title ? <h2>{title}</h2> : null}
      {children}
    </section>
  );
}
