/*
 * The handler's `context.signal`: a real AbortSignal, made so that an open stream keeps less of it
 * on Node 20. Node 20 builds a signal as an EventTarget, then sets its prototype, then adds three
 * fields; V8 does not share hidden classes added to after a prototype change, so every signal
 * gets a hidden class of its own (about 300 bytes, of some 750 per signal; Node 22 builds signals
 * differently and shares one). Made here with the same steps, the prototype set last, all such
 * signals share one. Node aborts it itself: a signal lists the signals that depend on it (what
 * `AbortSignal.any` records) and aborts them with it, so the call's signal is listed on a
 * throwaway controller's signal, which is aborted: the abort event, the reason, and the signals
 * that `AbortSignal.any` made from the call's signal are all Node's own doing.
 *
 * This relies on the names of Node's internal fields, so it is used only on Node before 22, and
 * only if a signal built and aborted this way at load behaves like one from an AbortController;
 * otherwise the call keeps an AbortController, as before.
 */

/** What a call keeps for its handler's signal: an AbortController, or (see above) the signal itself. */
export type SignalSource = AbortController | AbortSignal;

interface NodeSignalKeys {
  aborted: symbol;
  reason: symbol;
  composite: symbol;
  dependants: symbol;
}

/** Node's internal fields of a signal, when they are those this file knows how to set. */
function nodeSignalKeys(): NodeSignalKeys | undefined {
  if (Number(process.versions.node.split(".")[0]) >= 22 || typeof AbortSignal.any !== "function") return undefined;
  const probe = new AbortController().signal;
  const own = Object.getOwnPropertySymbols(probe);
  const eventTarget = Object.getOwnPropertySymbols(new EventTarget());
  AbortSignal.any([probe]); // gives the probe its list of dependants
  const byName = new Map(Object.getOwnPropertySymbols(probe).map((key) => [key.description, key]));
  const keys = {
    aborted: byName.get("kAborted"),
    reason: byName.get("kReason"),
    composite: byName.get("kComposite"),
    dependants: byName.get("kDependantSignals"),
  };
  const expected = [...eventTarget, keys.aborted, keys.reason, keys.composite];
  const sameFields =
    Object.getOwnPropertyNames(probe).length === 0 && own.length === expected.length && own.every((key, i) => key === expected[i]);
  if (!sameFields || keys.dependants === undefined) return undefined;
  return keys as NodeSignalKeys;
}

function sharedShapeSignal(keys: NodeSignalKeys): AbortSignal {
  const signal = new EventTarget() as unknown as Record<symbol, unknown>;
  signal[keys.aborted] = false;
  signal[keys.reason] = undefined;
  signal[keys.composite] = false;
  return Object.setPrototypeOf(signal, AbortSignal.prototype);
}

function abortThroughNode(keys: NodeSignalKeys, signal: AbortSignal): void {
  const trigger = new AbortController();
  (trigger.signal as unknown as Record<symbol, unknown>)[keys.dependants] = new Set([new WeakRef(signal)]);
  trigger.abort();
}

/** Whether a signal made and aborted with `keys` behaves as one from an AbortController does. */
function worksWith(keys: NodeSignalKeys): boolean {
  try {
    const signal = sharedShapeSignal(keys);
    let events = 0;
    signal.addEventListener("abort", (event) => {
      if (event.isTrusted) events++;
    });
    if (signal.aborted) return false;
    abortThroughNode(keys, signal);
    const reason = signal.reason as unknown;
    return signal.aborted && events === 1 && reason instanceof DOMException && reason.name === "AbortError";
  } catch {
    return false;
  }
}

const probed = nodeSignalKeys();
const keys = probed !== undefined && worksWith(probed) ? probed : undefined;

/** A source for one call's signal, not aborted. */
export function newSignalSource(): SignalSource {
  return keys === undefined ? new AbortController() : sharedShapeSignal(keys);
}

export function signalOf(source: SignalSource): AbortSignal {
  return source instanceof AbortController ? source.signal : source;
}

/** Aborts the signal of `source` as `AbortController.abort()` does (an AbortError DOMException as its reason). */
export function abortSource(source: SignalSource): void {
  if (source instanceof AbortController) source.abort();
  else abortThroughNode(keys!, source);
}
