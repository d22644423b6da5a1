/**
 * The few globals every platform Earshot runs on (Node, Electron, browsers) has,
 * declared here because shared/ compiles without Node or DOM types on purpose.
 */
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
