/** A small least-recently-used map: what a render process keeps, and what its pool knows it keeps. */
export class Lru<V> {
  readonly #items = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.#items.get(key);
    if (value !== undefined) {
      this.#items.delete(key);
      this.#items.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.#items.delete(key);
    this.#items.set(key, value);
    while (this.#items.size > this.capacity) {
      this.#items.delete(this.#items.keys().next().value as string);
    }
  }

  clear(): void {
    this.#items.clear();
  }
}
