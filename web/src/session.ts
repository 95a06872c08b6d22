import { client } from "./client.ts";
import { Store } from "./store.ts";

/** The signed-in guest's display name, or null before sign-in. */
export const signedInAs = new Store<string | null>(null);

/** Restores a stored session (a reload, a new tab): true when there was one. */
export async function restoreSession(): Promise<boolean> {
  const restored = await client.auth.restore();
  signedInAs.set(client.auth.session?.name ?? null);
  return restored;
}

export async function signInAsGuest(name: string): Promise<void> {
  await client.auth.guest(name.trim() || undefined);
  signedInAs.set(client.auth.session?.name ?? null);
}

export async function signOut(): Promise<void> {
  await client.auth.logout().catch(() => undefined);
  signedInAs.set(null);
}
