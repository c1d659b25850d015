/**
 * A minimal SMTP server on loopback that speaks just enough for nodemailer (EHLO, AUTH PLAIN/LOGIN,
 * MAIL FROM, RCPT TO, DATA, RSET, QUIT) and keeps what it received, for tests of alert e-mails.
 * No TLS: it never offers STARTTLS, so the client sends in clear over loopback.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers and body, dot-unstuffed). */
  data: string;
  /** The user that authenticated, if any. */
  user: string | null;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** AUTH commands seen (a client that must not send its password here sends none). */
  authAttempts: number;
  /** Answers every MAIL FROM with a temporary failure while true (a relay that is down). */
  failing: boolean;
  close(): Promise<void>;
}

export async function startSmtpSink(options: { user?: string; pass?: string; host?: string } = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const sink: SmtpSink = { port: 0, mails, authAttempts: 0, failing: false, close: () => Promise.resolve() };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serve(socket, sink, options);
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  sink.port = (server.address() as AddressInfo).port;
  sink.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return sink;
}

function serve(socket: Socket, sink: SmtpSink, creds: { user?: string; pass?: string }): void {
  let buffer = '';
  let inData = false;
  let dataLines: string[] = [];
  let mail: { from: string; to: string[] } | null = null;
  let user: string | null = null;
  let loginStep: 'user' | 'pass' | null = null;
  let loginUser = '';
  const reply = (line: string): void => void socket.write(`${line}\r\n`);
  const checkAuth = (name: string, pass: string): void => {
    if (creds.user === undefined || (name === creds.user && pass === creds.pass)) {
      user = name;
      reply('235 2.7.0 Authentication successful');
    } else reply('535 5.7.8 Authentication credentials invalid');
  };

  reply('220 smtp-sink ESMTP ready');
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          if (mail !== null) sink.mails.push({ ...mail, data: dataLines.join('\r\n'), user });
          mail = null;
          reply('250 2.0.0 Queued');
        } else dataLines.push(line.startsWith('..') ? line.slice(1) : line);
        continue;
      }
      if (loginStep === 'user') {
        loginUser = Buffer.from(line, 'base64').toString();
        loginStep = 'pass';
        reply(`334 ${Buffer.from('Password:').toString('base64')}`);
        continue;
      }
      if (loginStep === 'pass') {
        loginStep = null;
        checkAuth(loginUser, Buffer.from(line, 'base64').toString());
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') reply('250-smtp-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME');
      else if (verb === 'HELO') reply('250 smtp-sink');
      else if (verb === 'AUTH') {
        sink.authAttempts += 1;
        const [, mech, initial] = line.split(' ');
        if (mech?.toUpperCase() === 'PLAIN' && initial !== undefined) {
          const [, name = '', pass = ''] = Buffer.from(initial, 'base64').toString().split('\0');
          checkAuth(name, pass);
        } else if (mech?.toUpperCase() === 'LOGIN') {
          loginStep = 'user';
          reply(`334 ${Buffer.from('Username:').toString('base64')}`);
        } else reply('504 5.5.4 Unrecognized authentication type');
      } else if (verb === 'MAIL') {
        if (sink.failing) reply('451 4.3.0 Try again later');
        else if (creds.user !== undefined && user === null) reply('530 5.7.0 Authentication required');
        else {
          mail = { from: addressOf(line), to: [] };
          reply('250 2.1.0 Ok');
        }
      } else if (verb === 'RCPT') {
        mail?.to.push(addressOf(line));
        reply('250 2.1.5 Ok');
      } else if (verb === 'DATA') {
        inData = true;
        dataLines = [];
        reply('354 End data with <CR><LF>.<CR><LF>');
      } else if (verb === 'RSET') {
        mail = null;
        reply('250 2.0.0 Ok');
      } else if (verb === 'NOOP') reply('250 2.0.0 Ok');
      else if (verb === 'QUIT') {
        reply('221 2.0.0 Bye');
        socket.end();
      } else reply('502 5.5.2 Command not recognized');
    }
  });
}

function addressOf(line: string): string {
  return /<([^>]*)>/.exec(line)?.[1] ?? '';
}
