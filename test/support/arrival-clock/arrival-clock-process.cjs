// The arrival clock's child process (see ../arrival-clock.ts): a reverse proxy to argv[2] that
// notes when each request arrives, on its own event loop, and reports the time over IPC.
'use strict';
const http = require('node:http');

const target = new URL(process.argv[2]);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((request, response) => {
  // Taken first, before anything else this process does with the request.
  const arrivedAt = performance.timeOrigin + performance.now();
  process.send({ arrival: { at: arrivedAt, method: request.method, path: request.url } });
  const headers = { ...request.headers, host: target.host };
  const forwarded = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers, agent }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  forwarded.on('error', () => {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  request.pipe(forwarded);
});
server.listen(0, '127.0.0.1', () => process.send({ listening: server.address().port }));
process.on('message', (message) => {
  // A sync point: every arrival sent before this answer has been sent already (one ordered channel).
  if (message && message.flush !== undefined) process.send({ flushed: message.flush });
});
process.on('disconnect', () => process.exit(0));
