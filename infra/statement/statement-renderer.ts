// Renders statements on a worker thread, so a long manifest appendix never blocks the event loop of the
// process that asked (with `npm start`, the worker and the HTTP server share one). The thread is started on
// first use and kept, unref'd, for the next statement.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { renderStatementPdf, type StatementContent } from './statement-pdf';

const SELF = __filename;
const MARKER = 'disposition-statement-renderer';

interface Reply {
  id: number;
  pdf?: Uint8Array;
  error?: string;
}

let thread: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (pdf: Buffer) => void; reject: (err: Error) => void }>();

function renderer(): Worker {
  if (thread) return thread;
  // From source, tsx is registered inside the thread, so it runs this TypeScript file whichever runner started
  // us; compiled (dist/), the thread runs the JavaScript beside us.
  const worker = new Worker(`${SELF.endsWith('.ts') ? "require('tsx/cjs'); " : ''}require(${JSON.stringify(SELF)});`, {
    eval: true,
    workerData: MARKER,
  });
  worker.unref();
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) waiting?.reject(new Error(`rendering the statement failed: ${reply.error}`));
    else waiting?.resolve(Buffer.from(reply.pdf!));
  });
  const fail = (err: Error): void => {
    thread = undefined;
    for (const waiting of pending.values()) waiting.reject(err);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the statement renderer exited with ${code}`)));
  thread = worker;
  return worker;
}

export function renderStatementOffThread(content: StatementContent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const worker = renderer();
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.ref(); // keep the process up while a statement is being drawn
    worker.postMessage({ id, content });
  });
}

if (!isMainThread && parentPort && workerData === MARKER) {
  const port = parentPort;
  port.on('message', ({ id, content }: { id: number; content: StatementContent }) => {
    renderStatementPdf(content).then(
      (pdf) => {
        const bytes = new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength).slice();
        port.postMessage({ id, pdf: bytes } satisfies Reply, [bytes.buffer]);
      },
      (err: Error) => port.postMessage({ id, error: err.message } satisfies Reply),
    );
  });
}
