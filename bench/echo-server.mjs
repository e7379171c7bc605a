// The floor: a plain `ws` server that answers each message with the same bytes.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
wss.on('listening', () => process.stdout.write(`echo listening on ws://127.0.0.1:${wss.address().port}\n`));
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
