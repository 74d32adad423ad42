/**
 * The per-host overlay of predicted facts. While a play is planned, every change's declared effects (Plan
 * `predicts`) are recorded here, and later plans read facts through it: a predicted value wins over the probed one;
 * a fact whose subject an earlier change touched without a value, a fact with undeclared subjects after any change,
 * and every fact after a change that could not predict its effect are STALE: the executor must run the pending
 * commands and probe again before a plan may read them (in check mode it cannot, and says so).
 */
import type { Fact } from './fact';
import type { Effect, Prediction } from './task';

export type Lookup =
  /** An earlier step predicted this value. */
  | { readonly kind: 'predicted'; readonly value: unknown }
  /** No earlier change affects it: the probed value holds. */
  | { readonly kind: 'probed' }
  /** An earlier change may have altered it in a way nobody predicted: probe again (after applying). */
  | { readonly kind: 'stale'; readonly reason: string };

interface Entry {
  readonly value: unknown;
  readonly subjects: readonly string[] | undefined;
}

export class Overlay {
  #values = new Map<string, Entry>();
  /** Subjects changed since the last probe, with the step that changed them. */
  #touched = new Map<string, string>();
  /** The last step that changed anything since the last probe. */
  #lastChange: string | null = null;
  /** A step that changed the host without predicting its effect (everything is stale after it). */
  #unpredicted: string | null = null;

  /** Whether any change was recorded since the last clear(). */
  get dirty(): boolean {
    return this.#lastChange !== null;
  }

  /** Record a change by `step`; `effects` undefined means it cannot predict them. */
  record(step: string, effects: readonly Effect[] | undefined): void {
    this.#lastChange = step;
    if (effects === undefined) {
      this.#unpredicted = step;
      this.#values.clear();
      return;
    }
    const subjects = new Set<string>();
    const predictions: Prediction[] = [];
    for (const e of effects) {
      if ('touches' in e) subjects.add(e.touches);
      else {
        predictions.push(e);
        for (const s of e.fact.subjects ?? []) subjects.add(s);
      }
    }
    // Earlier predictions about a subject this change alters no longer hold (unless this change predicts them anew).
    for (const [key, entry] of this.#values) {
      if (entry.subjects === undefined || entry.subjects.some((s) => subjects.has(s))) this.#values.delete(key);
    }
    for (const s of subjects) this.#touched.set(s, step);
    for (const p of predictions) this.#values.set(p.fact.key, { value: p.value, subjects: p.fact.subjects });
  }

  lookup(fact: Fact<unknown>): Lookup {
    const entry = this.#values.get(fact.key);
    if (entry) return { kind: 'predicted', value: entry.value };
    if (this.#unpredicted !== null) return { kind: 'stale', reason: `'${this.#unpredicted}' changed the host without predicting its effect` };
    if (this.#lastChange === null) return { kind: 'probed' };
    if (fact.subjects === undefined) return { kind: 'stale', reason: `probe '${fact.key}' may read anything and '${this.#lastChange}' changed the host` };
    for (const s of fact.subjects) {
      const by = this.#touched.get(s);
      if (by !== undefined) return { kind: 'stale', reason: `'${by}' changed ${s} without predicting '${fact.key}'` };
    }
    return { kind: 'probed' };
  }

  /** The host was probed again after the changes ran: nothing is predicted or stale any more. */
  clear(): void {
    this.#values.clear();
    this.#touched.clear();
    this.#lastChange = null;
    this.#unpredicted = null;
  }
}
