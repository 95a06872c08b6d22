import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { KeyValueStorage } from "./storage.ts";

/**
 * Node-only storage in one JSON file (load testers, table tablets running Node): a
 * process restart finds its session and seat tokens again. Writes are atomic (rename).
 */
export class FileStorage implements KeyValueStorage {
  private values: Record<string, string>;

  constructor(private readonly file: string) {
    try {
      this.values = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    } catch {
      this.values = {};
    }
  }

  get(key: string): string | null {
    return this.values[key] ?? null;
  }

  set(key: string, value: string): void {
    this.values[key] = value;
    this.flush();
  }

  remove(key: string): void {
    delete this.values[key];
    this.flush();
  }

  private flush(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.values));
    renameSync(tmp, this.file);
  }
}
