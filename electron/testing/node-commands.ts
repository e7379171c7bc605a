// A node's declared commands wait for the user: tests that relay node commands approve them first, as the
// user would (node.pair.list → node.pair.approve over a real socket).
import { connectDevice } from './device-client';

export async function approveNodeCommands(url: string, token: string, nodeId: string): Promise<string> {
  const op = (await connectDevice(url, null, { token, scopes: ['operator.admin'] })).socket;
  try {
    const list = await op.call('node.pair.list');
    const req = (list.pending as Array<{ requestId: string; nodeId: string }>).find((r) => r.nodeId === nodeId);
    if (!req) throw new Error(`no pending command surface for node ${nodeId}`);
    await op.call('node.pair.approve', { requestId: req.requestId });
    return req.requestId;
  } finally {
    op.close();
  }
}
