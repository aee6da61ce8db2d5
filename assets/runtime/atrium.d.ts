// Types of the Atrium runtime (window.atrium) and of atrium.mjs, which
// exports it. For the app's own methods, with an overload of call() per
// method, generate declarations with `your-app --emit-dts FILE` (every app on
// libatrium accepts it) and import that file instead.

/** The stable code of a rejected call or emit. */
export type AtriumErrorCode =
  | 'not-found' | 'bad-args' | 'failed' | 'cancelled' | 'too-large' | 'forbidden'
  | 'queue-full';

/** What a rejected call or emit rejects with. */
export declare class AtriumError extends Error {
  constructor(code: AtriumErrorCode, message: string);
  readonly code: AtriumErrorCode;
}

/** A call in flight: a Promise of the method's result that can be cancelled. */
export interface AtriumCall<T> extends Promise<T> {
  /** Rejects the call at once with code `cancelled` and tells the method;
   *  false if it had already settled. */
  cancel(): boolean;
}

/** The second argument of an event listener. */
export interface AtriumEvent {
  readonly name: string;
  /** The id of the window whose page emitted it; absent when C did. */
  readonly sender?: number;
}

export type AtriumListener<T = any> = (data: T, event: AtriumEvent) => void;

export interface AtriumRuntime {
  /** Calls the C method bound as `method` with these arguments (JSON values). */
  call<T = unknown>(method: string, ...args: unknown[]): AtriumCall<T>;
  /** Calls fn for every event of that name; returns a function that removes it. */
  on<T = any>(name: string, fn: AtriumListener<T>): () => void;
  /** Calls fn for the next event of that name only. */
  once<T = any>(name: string, fn: AtriumListener<T>): () => void;
  /** Removes fn, or every listener of the name. */
  off(name: string, fn?: AtriumListener): void;
  /** Sends an event to the app's C listeners; resolves once C has it. */
  emit(name: string, data?: unknown): Promise<void>;
  readonly AtriumError: typeof AtriumError;
}

export declare const atrium: AtriumRuntime;
export declare const call: AtriumRuntime['call'];
export declare const on: AtriumRuntime['on'];
export declare const once: AtriumRuntime['once'];
export declare const off: AtriumRuntime['off'];
export declare const emit: AtriumRuntime['emit'];
export default atrium;

declare global {
  interface Window {
    /** Injected by libatrium into the app's pages before their scripts run. */
    readonly atrium: AtriumRuntime;
    /** A page may set this; `atrium --screenshot` waits for it to settle. */
    atriumReady?: Promise<unknown>;
  }
}
