/**
 * Main's side of the IPC contract: one handler per invoke method, each call's
 * arguments parsed with the contract's schema, and calls from any frame other
 * than our own renderer's main frame refused (STYLE.md: GitHub Desktop's
 * trusted-ipc-sender, VS Code's single validation point).
 */
import type { z } from 'zod';
import { invokeContract, type EarshotApi, type InvokeMethod } from '../../shared/ipc/contract';
import { describeIssues } from '../../shared/zod-issues';

/** The parts of Electron's IpcMainInvokeEvent the check needs. */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export type InvokeHandlers = { [M in InvokeMethod]: EarshotApi[M] };

export class IpcRejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcRejection';
  }
}

/**
 * A sender is trusted when it is the main frame of a page loaded from our own
 * renderer: the built files (file://…/out/renderer/) or the dev server.
 */
export function isTrustedSender(event: InvokeEventLike, trustedPrefixes: readonly string[]): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false; // gone, or an iframe
  return trustedPrefixes.some((prefix) => frame.url.startsWith(prefix));
}

export function registerInvokeHandlers(ipc: IpcMainLike, handlers: InvokeHandlers, trustedPrefixes: readonly string[]): () => void {
  const channels: string[] = [];
  for (const method of Object.keys(invokeContract) as InvokeMethod[]) {
    const { channel, args } = invokeContract[method];
    channels.push(channel);
    ipc.handle(channel, async (event, ...raw) => {
      if (!isTrustedSender(event, trustedPrefixes)) throw new IpcRejection(`${channel}: refused a call from an untrusted frame`);
      const parsed = (args as z.ZodType).safeParse(raw);
      if (!parsed.success) throw new IpcRejection(`${channel}: invalid arguments: ${describeIssues(parsed.error, '(args)').join('; ')}`);
      const call = handlers[method] as (...a: unknown[]) => Promise<unknown>;
      return call(...(parsed.data as unknown[]));
    });
  }
  return () => channels.forEach((c) => ipc.removeHandler(c));
}
