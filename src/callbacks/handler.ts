/**
 * Swedbank Pay callback receiver, as a plain node:http request handler (mountable in Express,
 * Fastify or Koa). It validates the body, answers fast, and signals the payment's workflow, whose id
 * is derived from the payment id in the body. A callback is only a hint: the workflow GETs the truth.
 *   malformed body    -> 400, nothing signalled
 *   unknown payment   -> 404, so Swedbank Pay retries while the workflow may still be starting
 *   duplicates        -> harmless (the workflow treats every callback as "go and look")
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { paymentWorkflowId } from '../contract.js';
import { CallbackBody } from '../swedbank/schemas.js';
import { callbackSignal } from '../workflows/messages.js';

export interface CallbackHandlerOptions {
  client: Client;
  /** Largest accepted body; the documented body is about 300 bytes. Default 16 KiB. */
  maxBodyBytes?: number;
}

export type CallbackHandler = (req: IncomingMessage, res: ServerResponse) => void;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status, message }));
}

export function createCallbackHandler(options: CallbackHandlerOptions): CallbackHandler {
  const limit = options.maxBodyBytes ?? 16 * 1024;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return reply(res, 405, 'POST only');
    let text: string;
    try {
      text = await readBody(req, limit);
    } catch (err) {
      return reply(res, err instanceof BodyTooLarge ? 413 : 400, 'unreadable body');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return reply(res, 400, 'body is not JSON');
    }
    const parsed = CallbackBody.safeParse(json);
    if (!parsed.success) return reply(res, 400, 'not a Swedbank Pay callback body');
    let workflowId: string;
    try {
      workflowId = paymentWorkflowId(parsed.data.payment.id);
    } catch {
      return reply(res, 400, 'unknown kind of payment id');
    }
    try {
      await options.client.workflow.getHandle(workflowId).signal(callbackSignal, parsed.data);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return reply(res, 404, 'no workflow for this payment (yet)');
      return reply(res, 503, 'could not signal the payment workflow');
    }
    reply(res, 200, 'ok');
  };
  return (req, res) => {
    handle(req, res).catch(() => reply(res, 500, 'internal error'));
  };
}
