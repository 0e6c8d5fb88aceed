/**
 * Why `parley server` could not listen, in words: every error of binding the port (address in
 * use, an address this machine does not have, a privileged port, a host name that does not
 * resolve…) becomes one CliError (exit 1) that says what to do, never a stack trace.
 */
import { failure, type CliError } from './errors.js';

/** Error codes of getaddrinfo for a host name that does not resolve (now, or at all). */
const NAME_CODES = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_ADDRFAMILY']);

const HOST_HINT = "give --host an address of this machine (127.0.0.1 for this machine only, 0.0.0.0 for every interface)";

/**
 * The CliError for an error raised while listening on `host`:`port` (a Node.js system error
 * with a `code` such as EADDRINUSE); an error without a known code keeps its message. Never throws.
 */
export function listenError(e: unknown, host: string, port: number): CliError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return failure(`port ${port} on ${host} is already in use (another program, or another parley server, listens there)`, 'stop it or choose another --port (--port 0 picks a free one)', e);
    case 'EADDRNOTAVAIL':
      return failure(`cannot listen on ${where}: ${host} is not an address of this machine`, HOST_HINT, e);
    case 'EACCES':
    case 'EPERM':
      return port < 1024
        ? failure(`not allowed to listen on port ${port}: ports below 1024 need administrator rights`, 'choose a port from 1024 up (the default is 8765), or put a reverse proxy in front', e)
        : failure(`not allowed to listen on ${where} (permission denied)`, 'choose another --port, or ask the administrator what this machine allows', e);
    case 'EAFNOSUPPORT':
      return failure(`cannot listen on ${where}: this machine does not support that address family (IPv6?)`, 'use an IPv4 address such as 127.0.0.1 or 0.0.0.0 for --host', e);
    case 'EINVAL':
      return failure(`cannot listen on ${where}: the address or port is not valid here`, HOST_HINT, e);
    default:
      if (code !== undefined && NAME_CODES.has(code))
        return failure(`cannot listen on ${where}: the host name ${host} does not resolve (${code})`, HOST_HINT, e);
      return failure(`cannot listen on ${where}: ${e instanceof Error ? e.message : String(e)}`, 'check --host and --port', e);
  }
}
